package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// Mode says what the compiled filter does with the calls the profile
// refuses.
type Mode int

const (
	// Enforce compiles the profile as a container runtime would load it.
	Enforce Mode = iota
	// Audit refuses nothing: every call the profile would refuse stops at
	// the tracer (SECCOMP_RET_TRACE with the entry's user data) and runs.
	Audit
)

// User data of the profile's trace stops: UDBase+i for Entries[i] (a
// NOTIFY entry, or any refusing entry in Audit mode), UDDefault for the
// default action. Policies number their trace rules from 1, far below.
const (
	UDBase     = 0xC000
	UDDefault  = 0xFFFF
	maxEntries = UDDefault - UDBase
)

// IsProfileUD reports whether a stop's user data belongs to a profile.
func IsProfileUD(ud uint32) bool { return ud >= UDBase && ud <= UDDefault }

// BPF compiles the profile for the given mode: the raw struct sock_filter
// array the exec step installs.
func (p *Profile) BPF(m Mode) ([]byte, error) {
	f, err := p.build(m)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	b, err := filter.ExportBPF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	return b, nil
}

// PFC is libseccomp's readable form of the compiled filter.
func (p *Profile) PFC(m Mode) (string, error) {
	f, err := p.build(m)
	if err != nil {
		return "", err
	}
	defer f.Release()
	return filter.ExportPFC(f)
}

// An entry that answers ENOSYS (Docker's clone3) is applied in Audit mode
// too: it is the kernel's "use the older call" (libc falls back to clone,
// which the profile then checks, as in a container), not a refusal.
func (p *Profile) scmp(a action, m Mode, ud int) libseccomp.ScmpAction {
	refuses := !lets(a) && !(ud != UDDefault && a.kind == specs.ActErrno && a.errno == uint(unix.ENOSYS))
	switch {
	case a.kind == specs.ActNotify, m == Audit && refuses:
		return libseccomp.ActTrace.SetReturnCode(int16(uint16(ud)))
	}
	switch a.kind {
	case specs.ActAllow:
		return libseccomp.ActAllow
	case specs.ActLog:
		return libseccomp.ActLog
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(int16(a.errno))
	case specs.ActTrace:
		// No tracer in a container: the kernel fails the call with
		// ENOSYS. The filter says so directly.
		return libseccomp.ActErrno.SetReturnCode(int16(unix.ENOSYS))
	case specs.ActKillThread:
		return libseccomp.ActKillThread
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess
	case specs.ActTrap:
		return libseccomp.ActTrap
	}
	return libseccomp.ActInvalid
}

func (p *Profile) build(m Mode) (*libseccomp.ScmpFilter, error) {
	if len(p.Entries) > maxEntries {
		return nil, failf(ErrInvalid, "%s: %d entries; at most %d can be told apart", p.Name, len(p.Entries), maxEntries)
	}
	f, err := libseccomp.NewFilter(p.scmp(p.def, m, UDDefault))
	if err != nil {
		return nil, fmt.Errorf("%s: creating the filter: %w", p.Name, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Release()
		}
	}()
	for _, a := range p.arches {
		if err := f.AddArch(a); err != nil {
			return nil, fmt.Errorf("%s: adding architecture %s: %w", p.Name, a, err)
		}
	}
	if len(p.Entries) > 8 {
		// runc asks for the binary tree on long profiles too; an older
		// libseccomp without it builds the linear one.
		_ = f.SetOptimize(2)
	}
	// In Audit mode two entries with the same action and conditions get
	// different user data, which libseccomp would refuse as a conflict:
	// the first one's stands for both, as either would refuse the call.
	type key struct {
		nr    int
		conds string
		act   action
	}
	seen := map[key]bool{}
	for i, e := range p.Entries {
		if e.act == p.def {
			continue // runc skips rules that repeat the default action
		}
		act := p.scmp(e.act, m, UDBase+i)
		groups, err := conditions(e.Args)
		if err != nil {
			return nil, failf(ErrInvalid, "%s: syscalls[%d]: %v", p.Name, e.Index, err)
		}
		for _, nr := range e.Nrs {
			for _, g := range groups {
				k := key{nr, condKey(g), e.act}
				if seen[k] {
					continue
				}
				seen[k] = true
				if len(g) == 0 {
					err = f.AddRule(libseccomp.ScmpSyscall(nr), act)
				} else {
					err = f.AddRuleConditional(libseccomp.ScmpSyscall(nr), act, g)
				}
				if err != nil {
					return nil, failf(ErrInvalid, "%s: syscalls[%d]: adding %s (%s): %v", p.Name, e.Index, syscallName(nr), e.Action, err)
				}
			}
		}
	}
	ok = true
	return f, nil
}

// conditions turns an entry's args into libseccomp rules as runc does:
// conditions on different arguments are one rule (all must hold); when
// two or more test the same argument, every condition becomes a rule of
// its own (any may hold). See runc issue 2735 and moby's default profile.
func conditions(args []specs.LinuxSeccompArg) ([][]libseccomp.ScmpCondition, error) {
	if len(args) == 0 {
		return [][]libseccomp.ScmpCondition{nil}, nil
	}
	var per [filter.MaxArg + 1]int
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	for _, a := range args {
		c, err := condition(a)
		if err != nil {
			return nil, err
		}
		per[a.Index]++
		conds = append(conds, c)
	}
	if slices.ContainsFunc(per[:], func(n int) bool { return n > 1 }) {
		out := make([][]libseccomp.ScmpCondition, len(conds))
		for i, c := range conds {
			out[i] = []libseccomp.ScmpCondition{c}
		}
		return out, nil
	}
	return [][]libseccomp.ScmpCondition{conds}, nil
}

var ops = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpEqualTo: libseccomp.CompareEqual, specs.OpNotEqual: libseccomp.CompareNotEqual,
	specs.OpLessThan: libseccomp.CompareLess, specs.OpLessEqual: libseccomp.CompareLessOrEqual,
	specs.OpGreaterThan: libseccomp.CompareGreater, specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpMaskedEqual: libseccomp.CompareMaskedEqual,
}

func condition(a specs.LinuxSeccompArg) (libseccomp.ScmpCondition, error) {
	op, ok := ops[a.Op]
	if !ok {
		return libseccomp.ScmpCondition{}, fmt.Errorf("unknown operator %q", a.Op)
	}
	if op == libseccomp.CompareMaskedEqual {
		// value is the mask, valueTwo what the masked argument must equal.
		return libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
	}
	return libseccomp.MakeCondition(a.Index, op, a.Value)
}

func condKey(g []libseccomp.ScmpCondition) string {
	var b strings.Builder
	for _, c := range g {
		fmt.Fprintf(&b, "%d:%d:%x:%x;", c.Argument, c.Op, c.Operand1, c.Operand2)
	}
	return b.String()
}

func syscallName(nr int) string {
	if n, err := filter.SyscallName(nr); err == nil {
		return n
	}
	return "syscall " + strconv.Itoa(nr)
}

// Refusal says which part of a profile a stopped call met: a refusing
// entry or the default action (Audit mode), or a NOTIFY entry.
type Refusal struct {
	// Entry is the file's syscalls[] index; -1 for the default action.
	Entry int
	// Names are the entry's names (nil for the default action).
	Names  []string
	Action specs.LinuxSeccompAction
	// Errno is what an ERRNO action fails the call with; ENOSYS for
	// TRACE (no tracer in a container).
	Errno int
	// Notify: the entry hands the call to a seccomp agent; the tracer
	// stands in for it and lets the call run.
	Notify bool
	// Key is the syscall and its argument pattern: the values of the
	// arguments the profile's entries test for this syscall, masked as
	// they test them. One report per key.
	Key string
}

// Refusal describes a stop with user data ud (IsProfileUD) for syscall
// nr with arguments args; ok is false for user data the profile never
// gives (a tracee's own filter can return any).
func (p *Profile) Refusal(ud uint32, nr int, args [6]uint64) (r Refusal, ok bool) {
	var a action
	switch {
	case ud == UDDefault:
		a, r.Entry = p.def, -1
	case ud >= UDBase && int(ud-UDBase) < len(p.Entries):
		e := p.Entries[ud-UDBase]
		if !slices.Contains(e.Nrs, nr) {
			return r, false
		}
		a, r.Entry, r.Names = e.act, e.Index, e.Names
	default:
		return r, false
	}
	r.Action, r.Notify = a.kind, a.kind == specs.ActNotify
	switch a.kind {
	case specs.ActErrno:
		r.Errno = int(a.errno)
	case specs.ActTrace:
		r.Errno = int(unix.ENOSYS)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d", nr, ud)
	for _, m := range p.patterns[nr] {
		fmt.Fprintf(&b, " a%d=%#x", m.index, args[m.index]&m.mask)
	}
	r.Key = b.String()
	return r, true
}

// Rule names the part of the profile: `syscalls[3] (mount, umount2):
// SCMP_ACT_ERRNO` or `defaultAction SCMP_ACT_ERRNO`.
func (r Refusal) Rule() string {
	if r.Entry < 0 {
		return "defaultAction " + string(r.Action)
	}
	names := r.Names
	more := ""
	if len(names) > 4 {
		names, more = names[:4], fmt.Sprintf(", … %d more", len(r.Names)-4)
	}
	return fmt.Sprintf("syscalls[%d] (%s%s): %s", r.Entry, strings.Join(names, ", "), more, r.Action)
}

// Outcome is what the call would meet under the profile, enforced: "EPERM",
// "SIGSYS", "killed (process)", "the seccomp agent".
func (r Refusal) Outcome() string {
	switch r.Action {
	case specs.ActErrno, specs.ActTrace:
		return decode.ErrnoName(r.Errno)
	case specs.ActKill, specs.ActKillThread:
		return "killed (thread)"
	case specs.ActKillProcess:
		return "killed (process)"
	case specs.ActTrap:
		return "SIGSYS"
	case specs.ActNotify:
		return "the seccomp agent"
	}
	return string(r.Action)
}
