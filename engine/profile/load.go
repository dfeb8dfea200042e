package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	mseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// DockerDefault is the name `run --profile` and Load give moby's default
// profile (the one `docker run` applies without --security-opt).
const DockerDefault = "docker-default"

// Options are what a container runtime evaluates a profile against.
type Options struct {
	// Caps is the container's bounding set, against which includes and
	// excludes "caps" are evaluated; nil means DefaultCaps.
	Caps []string
}

// Profile is a checked profile, resolved for this machine: the entries
// that apply to its architecture, kernel and capability set, with their
// names resolved to native syscall numbers.
type Profile struct {
	Name string
	// Source is the profile as written, in moby's type (with
	// includes/excludes and comments).
	Source mseccomp.Seccomp
	// Config is what a runtime hands runc after includes/excludes.
	Config *specs.LinuxSeccomp
	// Entries are Config.Syscalls, checked and resolved.
	Entries []Entry
	// Skipped are the names libseccomp does not know at all; runc skips
	// them too.
	Skipped []string

	def    action
	arches []libseccomp.ScmpArch
	// patterns: for each syscall, the argument masks any entry tests, so
	// refusals are reported once per syscall and argument pattern.
	patterns map[int][]argMask
}

// Entry is one syscalls[] entry that applies.
type Entry struct {
	// Index is its position in the file's syscalls list.
	Index int
	specs.LinuxSyscall
	// Nrs are the numbers of the names libseccomp knows: native ones, or
	// libseccomp's negative pseudo numbers for names of other
	// architectures the filter also covers.
	Nrs []int

	act action
}

type argMask struct {
	index uint
	mask  uint64
}

// action is an action with its errno made explicit (EPERM when errnoRet
// is absent), so that equal actions compare equal.
type action struct {
	kind  specs.LinuxSeccompAction
	errno uint
}

var actionKinds = []specs.LinuxSeccompAction{
	specs.ActAllow, specs.ActErrno, specs.ActKill, specs.ActKillThread, specs.ActKillProcess,
	specs.ActTrap, specs.ActTrace, specs.ActLog, specs.ActNotify,
}

var operators = []specs.LinuxSeccompOperator{
	specs.OpEqualTo, specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual,
	specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpMaskedEqual,
}

var flags = []specs.LinuxSeccompFlag{
	specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv,
}

var architectures = []specs.Arch{
	specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL, specs.ArchMIPSEL64,
	specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64, specs.ArchPPC64LE, specs.ArchS390,
	specs.ArchS390X, specs.ArchPARISC, specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64,
	specs.ArchM68K, specs.ArchSH, specs.ArchSHEB,
}

func joined[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// DefaultJSON is moby's default profile as JSON, for Load.
func DefaultJSON() ([]byte, error) {
	return json.Marshal(mseccomp.DefaultProfile())
}

// LoadDefault loads moby's default profile.
func LoadDefault(o Options) (*Profile, error) {
	b, err := DefaultJSON()
	if err != nil {
		return nil, fmt.Errorf("%s: encoding moby's default profile: %w", DockerDefault, err)
	}
	return Load(DockerDefault, b, o)
}

// Load parses a profile (the JSON `docker run --security-opt seccomp=FILE`
// takes) with moby's LoadProfile for o's capability set and this machine's
// architecture and kernel, and checks it as runc would before loading it.
// name labels errors ("p.json: syscalls[3]: …").
func Load(name string, data []byte, o Options) (*Profile, error) {
	p := &Profile{Name: name, patterns: map[int][]argMask{}}
	if err := json.Unmarshal(data, &p.Source); err != nil {
		return nil, jsonError(name, data, err)
	}
	caps := o.Caps
	if caps == nil {
		caps = DefaultCaps()
	}
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	cfg, err := mseccomp.LoadProfile(string(data), rs)
	if err != nil {
		return nil, failf(ErrInvalid, "%s: %s", name, lowerFirst(err.Error()))
	}
	if cfg == nil {
		return nil, failf(ErrUnconfined, "%s: no defaultAction and no syscalls (container runtimes then run unconfined)", name)
	}
	p.Config = cfg
	if p.def, err = checkAction(cfg.DefaultAction, cfg.DefaultErrnoRet); err != nil {
		return nil, failf(ErrInvalid, "%s: defaultAction: %v", name, err)
	}
	if p.def.kind == specs.ActNotify {
		return nil, failf(ErrInvalid, "%s: defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)", name)
	}
	for _, a := range cfg.Architectures {
		sa, err := scmpArch(a)
		if err != nil {
			return nil, failf(ErrInvalid, "%s: architectures: %v", name, err)
		}
		p.arches = append(p.arches, sa)
	}
	for _, f := range cfg.Flags {
		if !slices.Contains(flags, f) {
			return nil, failf(ErrInvalid, "%s: flags: unknown flag %q (valid: %s)", name, f, joined(flags))
		}
	}
	index := sourceIndexes(p.Source.Syscalls, cfg.Syscalls)
	skipped := map[string]bool{}
	for i, sc := range cfg.Syscalls {
		e := Entry{Index: index[i], LinuxSyscall: sc}
		where := fmt.Sprintf("%s: syscalls[%d]", name, e.Index)
		if len(sc.Names) == 0 {
			return nil, failf(ErrInvalid, "%s: no names", where)
		}
		if e.act, err = checkAction(sc.Action, sc.ErrnoRet); err != nil {
			return nil, failf(ErrInvalid, "%s: %v", where, err)
		}
		if e.act.kind == specs.ActNotify && slices.Contains(sc.Names, "write") {
			return nil, failf(ErrInvalid, "%s: SCMP_ACT_NOTIFY cannot be used for write (runc refuses it: the runtime needs write to hand over the listener)", where)
		}
		for j, a := range sc.Args {
			if a.Index > filter.MaxArg {
				return nil, failf(ErrInvalid, "%s: args[%d]: index %d out of range 0..%d", where, j, a.Index, filter.MaxArg)
			}
			if !slices.Contains(operators, a.Op) {
				return nil, failf(ErrInvalid, "%s: args[%d]: unknown operator %q (valid: %s)", where, j, a.Op, joined(operators))
			}
		}
		for _, n := range sc.Names {
			if n == "" {
				return nil, failf(ErrInvalid, "%s: an empty syscall name", where)
			}
			// As runc: a name libseccomp knows only for another
			// architecture resolves to a negative pseudo number, which
			// libseccomp translates for each architecture of the filter
			// (chown32 for x86 calls under an x86_64 profile).
			num, err := libseccomp.GetSyscallFromName(n)
			if err != nil || strings.ContainsRune(n, 0) {
				skipped[n] = true
				continue
			}
			nr := int(num)
			e.Nrs = append(e.Nrs, nr)
			for _, a := range sc.Args {
				m := argMask{index: a.Index, mask: ^uint64(0)}
				if a.Op == specs.OpMaskedEqual {
					m.mask = a.Value
				}
				if !slices.Contains(p.patterns[nr], m) {
					p.patterns[nr] = append(p.patterns[nr], m)
				}
			}
		}
		p.Entries = append(p.Entries, e)
	}
	for n := range skipped {
		p.Skipped = append(p.Skipped, n)
	}
	slices.Sort(p.Skipped)
	for nr := range p.patterns {
		slices.SortFunc(p.patterns[nr], func(a, b argMask) int {
			if a.index != b.index {
				return int(a.index) - int(b.index)
			}
			switch {
			case a.mask < b.mask:
				return -1
			case a.mask > b.mask:
				return 1
			}
			return 0
		})
	}
	return p, nil
}

// sourceIndexes maps each applied entry back to its position in the file:
// LoadProfile keeps the order and copies entries as they are (old-style
// "name" becomes "names").
func sourceIndexes(src []*mseccomp.Syscall, applied []specs.LinuxSyscall) []int {
	out := make([]int, len(applied))
	j := 0
	for i, s := range src {
		if j >= len(applied) || s == nil {
			continue
		}
		ls := s.LinuxSyscall
		if s.Name != "" && len(ls.Names) == 0 {
			ls.Names = []string{s.Name}
		}
		if reflect.DeepEqual(ls, applied[j]) {
			out[j] = i
			j++
		}
	}
	for ; j < len(applied); j++ {
		out[j] = -1
	}
	return out
}

func checkAction(a specs.LinuxSeccompAction, errnoRet *uint) (action, error) {
	if !slices.Contains(actionKinds, a) {
		if a == "" {
			return action{}, fmt.Errorf("no action (valid: %s)", joined(actionKinds))
		}
		return action{}, fmt.Errorf("unknown action %q (valid: %s)", a, joined(actionKinds))
	}
	act := action{kind: a}
	if a == specs.ActKill {
		act.kind = specs.ActKillThread // libseccomp's SCMP_ACT_KILL is the thread
	}
	switch {
	case a == specs.ActErrno || a == specs.ActTrace:
		act.errno = uint(unix.EPERM)
		if errnoRet != nil {
			if *errnoRet > filter.MaxErrno {
				return action{}, fmt.Errorf("errnoRet %d out of range 0..%d", *errnoRet, filter.MaxErrno)
			}
			act.errno = *errnoRet
		}
	case errnoRet != nil:
		return action{}, fmt.Errorf("errnoRet is set but %s takes none (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)", a)
	}
	return act, nil
}

func scmpArch(a specs.Arch) (libseccomp.ScmpArch, error) {
	if !slices.Contains(architectures, a) {
		return 0, fmt.Errorf("unknown architecture %q (valid: %s)", a, joined(architectures))
	}
	sa, err := libseccomp.GetArchFromString(strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_")))
	if err != nil {
		return 0, fmt.Errorf("architecture %q: libseccomp does not know it", a)
	}
	return sa, nil
}

// jsonError names the line of a JSON mistake.
func jsonError(name string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if te != nil && te.Field != "" {
		// The Go field path names embedded structs; say what the file says.
		field := strings.NewReplacer("LinuxSyscall.", "", "LinuxSeccomp.", "").Replace(te.Field)
		msg = fmt.Sprintf("field %s: expected %s, got a JSON %s", field, te.Type, te.Value)
	}
	if off >= 0 && off <= int64(len(data)) {
		line := bytes.Count(data[:off], []byte{'\n'}) + 1
		return failf(ErrInvalid, "%s:%d: malformed JSON: %s", name, line, msg)
	}
	return failf(ErrInvalid, "%s: malformed JSON: %s", name, msg)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// CheckExec fails with ErrNoExec when execve can never be allowed: the
// command (which starts with an execve under the filter) could not start.
// A conditional rule counts as maybe allowing it.
func (p *Profile) CheckExec() error {
	nr, err := filter.SyscallNumber("execve")
	if err != nil {
		return nil
	}
	verdict, entry := p.def, -1
	conditional := false
	for _, e := range p.Entries {
		if !slices.Contains(e.Nrs, nr) {
			continue
		}
		if len(e.Args) > 0 {
			conditional = conditional || lets(e.act)
			continue
		}
		verdict, entry = e.act, e.Index
		break
	}
	if lets(verdict) || conditional {
		return nil
	}
	rule := "defaultAction " + string(p.def.kind) + " and no entry allows it"
	if entry >= 0 {
		rule = fmt.Sprintf("syscalls[%d] makes it %s", entry, verdict.kind)
	}
	return failf(ErrNoExec, "%s: %s, so no command could start under it", p.Name, rule)
}

// lets reports whether a call under a the action runs.
func lets(a action) bool {
	return a.kind == specs.ActAllow || a.kind == specs.ActLog || a.kind == specs.ActNotify
}
