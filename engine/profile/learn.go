package profile

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// Mechanics are allowed by every learned profile whether or not the run
// made them: the exec of the command itself, the kernel's signal return
// and restart paths (a run that got no signal never calls them, a later
// one may), and exit (a denied exit_group makes libc's _exit loop
// forever).
var Mechanics = []string{"execve", "exit", "exit_group", "restart_syscall", "rt_sigreturn"}

// RuntimeBaseline is what runc's init may call after it has loaded the
// container's filter and before it execs the command (with Docker's
// default, no-new-privileges off, the filter is loaded before the
// capabilities and ids are set): public reports of it (runc issue 2097,
// moby issue 22252), since runc documents no list. Learned OCI profiles
// allow it in an entry of its own unless told not to; it was not tested
// against a container runtime here.
var RuntimeBaseline = []string{
	"brk", "capget", "capset", "chdir", "close", "epoll_ctl", "epoll_pwait", "execve", "fchown",
	"fcntl", "fstat", "futex", "getdents64", "getpid", "getppid", "lstat", "nanosleep",
	"newfstatat", "openat", "prctl", "read", "setgid", "setgroups", "setuid", "stat", "write",
}

// The namespace flags refined in clone's flags (CLONE_NEWTIME shares its
// bit with the exit signal there, and is clone3/unshare only).
const nsClone = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

const sockTypeMask = 0xf // SOCK_TYPE_MASK: the type without SOCK_NONBLOCK/SOCK_CLOEXEC

// refinement is how a syscall is allowed per argument values rather than
// whole: each listed argument, masked (^0: the whole value, compared with
// ==; else &= mask).
type refinement []struct {
	index uint
	mask  uint64
}

var refinements = map[int]refinement{
	unix.SYS_SOCKET:      {{0, ^uint64(0)}, {1, sockTypeMask}},
	unix.SYS_CLONE:       {{0, nsClone}},
	unix.SYS_UNSHARE:     {{0, ^uint64(0)}},
	unix.SYS_PRCTL:       {{0, ^uint64(0)}},
	unix.SYS_PERSONALITY: {{0, ^uint64(0)}},
	unix.SYS_IOCTL:       {{1, ^uint64(0)}},
}

// RefinedSyscalls names the syscalls learned per argument values.
func RefinedSyscalls() []string {
	out := []string{"clone3"}
	for nr := range refinements {
		out = append(out, syscallName(nr))
	}
	slices.Sort(out)
	return out
}

const maxNr = 1024

type refKey struct {
	nr   int
	a, b uint64
}

// Recorder collects what a traced run calls: Observe runs at every stop
// of `learn`, on the tracer thread, so it does no more than count (a map
// update for the refined syscalls).
type Recorder struct {
	counts  [maxNr]uint64
	refined map[refKey]uint64
	other   map[int]uint64 // numbers beyond the table
	calls   uint64
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{refined: map[refKey]uint64{}, other: map[int]uint64{}}
}

// Reader reads tracee memory (engine.Stop.ReadMemory).
type Reader func(addr uint64, b []byte) (int, error)

// Observe records one call. read may be nil; it is used only for clone3,
// whose flags are in memory.
func (r *Recorder) Observe(nr int, args *[6]uint64, read Reader) {
	r.calls++
	if ref, ok := refinements[nr]; ok {
		k := refKey{nr: nr, a: args[ref[0].index] & ref[0].mask}
		if len(ref) > 1 {
			k.b = args[ref[1].index] & ref[1].mask
		}
		r.refined[k]++
		return
	}
	if nr == unix.SYS_CLONE3 && read != nil {
		var b [8]byte // struct clone_args starts with the u64 flags
		if n, err := read(args[0], b[:]); err == nil && n == 8 {
			r.refined[refKey{nr: nr, a: binary.NativeEndian.Uint64(b[:]) & nsClone}]++
			return
		}
	}
	if nr >= 0 && nr < maxNr {
		r.counts[nr]++
	} else {
		r.other[nr]++
	}
}

// Calls is the number of calls observed.
func (r *Recorder) Calls() uint64 { return r.calls }

// Rule is one allow rule of a learned set.
type Rule struct {
	Name string
	// Action is SCMP_ACT_ALLOW, or SCMP_ACT_ERRNO (Errno) for clone3,
	// whose flags the filter cannot see: ENOSYS makes libc fall back to
	// clone, whose namespace flags it can.
	Action specs.LinuxSeccompAction
	Errno  uint
	// Args are the conditions (empty: any arguments).
	Args []specs.LinuxSeccompArg
	// Comment spells the refined values ("AF_UNIX, SOCK_STREAM").
	Comment string
	// Calls seen in this run (0 for merged rules and Mechanics).
	Calls uint64
}

// Set is a learned allow-list: what `learn` writes as a Lua policy and as
// an OCI profile.
type Set struct {
	whole  map[string]uint64
	cond   map[string]Rule
	clone3 bool // clone3 fails with ENOSYS; its flags are checked at clone
	// Calls observed in the runs recorded into the set.
	Calls uint64
}

// NewSet returns a set that allows the Mechanics.
func NewSet() *Set {
	s := &Set{whole: map[string]uint64{}, cond: map[string]Rule{}}
	for _, n := range Mechanics {
		s.whole[n] += 0
	}
	return s
}

func ruleKey(name string, args []specs.LinuxSeccompArg) string {
	var b strings.Builder
	b.WriteString(name)
	for _, a := range args {
		fmt.Fprintf(&b, "|%d %s %#x %#x", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	return b.String()
}

// Record adds what r observed.
func (s *Set) Record(r *Recorder) {
	s.Calls += r.calls
	add := func(nr int, n uint64) {
		if name, err := filter.SyscallName(nr); err == nil {
			s.whole[name] += n
		}
	}
	for nr, n := range r.counts {
		if n > 0 {
			add(nr, n)
		}
	}
	for nr, n := range r.other {
		add(nr, n)
	}
	for k, n := range r.refined {
		nr, ref := k.nr, refinements[k.nr]
		if nr == unix.SYS_CLONE3 {
			s.clone3 = true
			nr, ref = unix.SYS_CLONE, refinements[unix.SYS_CLONE]
		}
		args := ruleArgs(ref, k.a, k.b)
		s.addCond(Rule{Name: syscallName(nr), Action: specs.ActAllow, Args: args, Calls: n, Comment: comment(nr, args)})
	}
}

func ruleArgs(ref refinement, a, b uint64) []specs.LinuxSeccompArg {
	vals := []uint64{a, b}
	out := make([]specs.LinuxSeccompArg, len(ref))
	for i, r := range ref {
		if r.mask == ^uint64(0) {
			out[i] = specs.LinuxSeccompArg{Index: r.index, Value: vals[i], Op: specs.OpEqualTo}
		} else {
			out[i] = specs.LinuxSeccompArg{Index: r.index, Value: r.mask, ValueTwo: vals[i], Op: specs.OpMaskedEqual}
		}
	}
	return out
}

// comment spells the values a rule tests as strace would print them.
func comment(nr int, args []specs.LinuxSeccompArg) string {
	var regs [6]uint64
	for _, a := range args {
		if a.Op == specs.OpMaskedEqual {
			regs[a.Index] = a.ValueTwo
		} else {
			regs[a.Index] = a.Value
		}
	}
	d := decode.Decode(nr, regs, nil, decode.Options{})
	var parts []string
	for _, a := range args {
		if int(a.Index) >= len(d.Args) {
			continue
		}
		t := d.Args[a.Index].Text
		if nr == unix.SYS_CLONE && regs[a.Index] == 0 {
			t = "no namespace flags"
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, ", ")
}

func (s *Set) addCond(r Rule) {
	k := ruleKey(r.Name, r.Args)
	if old, ok := s.cond[k]; ok {
		r.Calls += old.Calls
		if r.Comment == "" {
			r.Comment = old.Comment
		}
	}
	s.cond[k] = r
}

// Allow adds a rule for name (any arguments when args is empty), as read
// from an earlier policy or profile.
func (s *Set) Allow(name string, args []specs.LinuxSeccompArg) error {
	if name == "" {
		return failf(ErrInvalid, "an empty syscall name")
	}
	if len(args) == 0 {
		s.whole[name] += 0
		return nil
	}
	for _, a := range args {
		if a.Index > filter.MaxArg || !slices.Contains(operators, a.Op) {
			return failf(ErrInvalid, "%s: bad condition %+v", name, a)
		}
	}
	args = slices.Clone(args)
	slices.SortStableFunc(args, func(x, y specs.LinuxSeccompArg) int { return int(x.Index) - int(y.Index) })
	c := ""
	if nr, err := filter.SyscallNumber(name); err == nil {
		c = comment(nr, args)
	}
	s.addCond(Rule{Name: name, Action: specs.ActAllow, Args: args, Comment: c})
	return nil
}

// Clone3ENOSYS marks clone3 as failing with ENOSYS (so libc uses clone),
// as an earlier profile or policy said.
func (s *Set) Clone3ENOSYS() { s.clone3 = true }

// MergeProfile adds the allow entries of p (as loaded for this machine);
// its runtime-baseline entry and a clone3 ENOSYS entry are recognised.
// Entries with other actions cannot be part of an allow-list and are
// returned, for the caller to report.
func (s *Set) MergeProfile(p *Profile) (dropped []string) {
	for _, e := range p.Entries {
		if e.Index >= 0 && e.Index < len(p.Source.Syscalls) && p.Source.Syscalls[e.Index] != nil &&
			p.Source.Syscalls[e.Index].Comment == baselineComment {
			continue
		}
		switch {
		case e.act.kind == specs.ActAllow || e.act.kind == specs.ActLog:
			for _, n := range e.Names {
				s.Allow(n, e.Args)
			}
		case e.act.kind == specs.ActErrno && e.act.errno == uint(unix.ENOSYS) && len(e.Args) == 0 && slices.Equal(e.Names, []string{"clone3"}):
			s.clone3 = true
		default:
			dropped = append(dropped, fmt.Sprintf("syscalls[%d] (%s, %s)", e.Index, strings.Join(e.Names, ", "), e.Action))
		}
	}
	return dropped
}

// Rules lists the set's rules in a fixed order: the syscalls allowed
// whole, by name; the conditional rules, by name and values; clone3's
// ENOSYS last. A conditional rule for a syscall also allowed whole is left
// out, and so is clone3's ENOSYS when clone3 is allowed whole (a clone3
// whose flags could not be read).
func (s *Set) Rules() []Rule {
	var out []Rule
	names := make([]string, 0, len(s.whole))
	for n := range s.whole {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, Rule{Name: n, Action: specs.ActAllow, Calls: s.whole[n]})
	}
	var conds []Rule
	for _, r := range s.cond {
		if _, whole := s.whole[r.Name]; !whole {
			conds = append(conds, r)
		}
	}
	slices.SortFunc(conds, compareRules)
	out = append(out, conds...)
	if _, whole := s.whole["clone3"]; s.clone3 && !whole {
		out = append(out, Rule{Name: "clone3", Action: specs.ActErrno, Errno: uint(unix.ENOSYS),
			Comment: "its flags are in memory, out of the filter's reach: ENOSYS makes libc fall back to clone, whose namespace flags are checked"})
	}
	return out
}

func compareRules(x, y Rule) int {
	if c := strings.Compare(x.Name, y.Name); c != 0 {
		return c
	}
	for i := 0; i < len(x.Args) && i < len(y.Args); i++ {
		a, b := x.Args[i], y.Args[i]
		switch {
		case a.Index != b.Index:
			return int(a.Index) - int(b.Index)
		case a.Op != b.Op:
			return strings.Compare(string(a.Op), string(b.Op))
		case a.Value != b.Value:
			if a.Value < b.Value {
				return -1
			}
			return 1
		case a.ValueTwo != b.ValueTwo:
			if a.ValueTwo < b.ValueTwo {
				return -1
			}
			return 1
		}
	}
	return len(x.Args) - len(y.Args)
}

// Seen is the number of distinct syscalls the set allows in some form.
func (s *Set) Seen() int {
	names := map[string]bool{}
	for _, r := range s.Rules() {
		names[r.Name] = true
	}
	return len(names)
}
