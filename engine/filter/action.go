package filter

import (
	"fmt"
	"strconv"
	"strings"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// ActionKind is what the kernel does when a rule matches. The numeric values
// are part of the serialised form of a Spec and must not be reordered.
// The zero value is invalid so that a Spec or Rule with a forgotten action
// fails validation instead of defaulting to allow.
type ActionKind uint8

const (
	Allow       ActionKind = iota + 1 // let the syscall run
	KillProcess                       // kill the whole process (SECCOMP_RET_KILL_PROCESS)
	KillThread                        // kill only the calling thread
	Trap                              // deliver SIGSYS
	Log                               // allow, but log via audit
	Errno                             // fail with Action.Value as errno
	Trace                             // stop for the ptrace tracer with Action.Value as event data
	Notify                            // ask the user-notification listener (SECCOMP_RET_USER_NOTIF)
)

// Limits of Action.Value. The kernel hands SECCOMP_RET_DATA (16 bits) to the
// tracer unchanged, but clamps errno to MAX_ERRNO.
const (
	MaxErrno     = 4095
	MaxTraceData = 0xffff
)

var kindNames = [...]string{
	Allow:       "allow",
	KillProcess: "kill_process",
	KillThread:  "kill_thread",
	Trap:        "trap",
	Log:         "log",
	Errno:       "errno",
	Trace:       "trace",
	Notify:      "notify",
}

func (k ActionKind) String() string {
	if k >= 1 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "action_kind(" + strconv.Itoa(int(k)) + ")"
}

// Action is a kind plus its data. Value is the errno for Errno and the event
// data for Trace; it must be zero for every other kind, so that two equal
// actions are equal as Go values.
type Action struct {
	Kind  ActionKind
	Value uint16
}

// Convenience values for the data-less actions.
var (
	ActionAllow       = Action{Kind: Allow}
	ActionKillProcess = Action{Kind: KillProcess}
	ActionKillThread  = Action{Kind: KillThread}
	ActionTrap        = Action{Kind: Trap}
	ActionLog         = Action{Kind: Log}
	ActionNotify      = Action{Kind: Notify}
)

// String returns the form ParseAction accepts: "allow", "errno(EPERM)",
// "trace(7)".
func (a Action) String() string {
	switch a.Kind {
	case Errno:
		return "errno(" + ErrnoName(int(a.Value)) + ")"
	case Trace:
		return "trace(" + strconv.Itoa(int(a.Value)) + ")"
	}
	if a.Value != 0 {
		return a.Kind.String() + "(" + strconv.Itoa(int(a.Value)) + ")"
	}
	return a.Kind.String()
}

// Validate reports whether the kernel can express a.
func (a Action) Validate() error {
	switch a.Kind {
	case Allow, KillProcess, KillThread, Trap, Log, Notify:
		if a.Value != 0 {
			return fmt.Errorf("%w: %s takes no value (got %d)", ErrInvalidAction, a.Kind, a.Value)
		}
	case Errno:
		if a.Value < 1 || a.Value > MaxErrno {
			return fmt.Errorf("%w: errno %d out of range 1..%d", ErrInvalidAction, a.Value, MaxErrno)
		}
	case Trace:
		// Every uint16 is valid trace data.
	case 0:
		return fmt.Errorf("%w: action not set", ErrInvalidAction)
	default:
		return fmt.Errorf("%w: unknown action kind %d", ErrInvalidAction, a.Kind)
	}
	return nil
}

// simpleActions are the names ActionByName accepts; "kill" means the whole
// process because killing one thread of a traced program leaves the rest
// running in an inconsistent state, which is never what "kill" suggests.
var simpleActions = []struct {
	name string
	act  Action
}{
	{"allow", ActionAllow},
	{"kill", ActionKillProcess},
	{"kill_process", ActionKillProcess},
	{"kill_thread", ActionKillThread},
	{"trap", ActionTrap},
	{"log", ActionLog},
	{"notify", ActionNotify},
}

func simpleActionNames() string {
	names := make([]string, len(simpleActions))
	for i, s := range simpleActions {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// ActionByName resolves the actions that take no value. Case is ignored.
func ActionByName(name string) (Action, error) {
	lower := strings.ToLower(name)
	for _, s := range simpleActions {
		if s.name == lower {
			return s.act, nil
		}
	}
	if lower == "errno" || lower == "trace" {
		return Action{}, fmt.Errorf("%w: %q needs a value, e.g. %s(...); valid names without a value: %s",
			ErrInvalidAction, name, lower, simpleActionNames())
	}
	return Action{}, fmt.Errorf("%w: unknown action %q (valid: %s)", ErrInvalidAction, name, simpleActionNames())
}

// ParseAction is the inverse of Action.String: it accepts every
// ActionByName name plus "errno(EPERM)", "errno(1)" and "trace(7)".
func ParseAction(s string) (Action, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return ActionByName(s)
	}
	if !strings.HasSuffix(s, ")") {
		return Action{}, fmt.Errorf("%w: %q: missing closing parenthesis", ErrInvalidAction, s)
	}
	kind, arg := strings.ToLower(strings.TrimSpace(s[:open])), strings.TrimSpace(s[open+1:len(s)-1])
	switch kind {
	case "errno":
		n, err := strconv.Atoi(arg)
		if err != nil {
			if n, err = ErrnoByName(arg); err != nil {
				return Action{}, fmt.Errorf("%w: %q: %w", ErrInvalidAction, s, err)
			}
		}
		return ErrnoAction(n)
	case "trace":
		n, err := strconv.ParseInt(arg, 0, 64)
		if err != nil {
			return Action{}, fmt.Errorf("%w: %q: trace data must be an integer 0..%d", ErrInvalidAction, s, MaxTraceData)
		}
		return TraceAction(n)
	}
	return Action{}, fmt.Errorf("%w: unknown action %q (valid: %s, errno(NAME), trace(N))", ErrInvalidAction, s, simpleActionNames())
}

// ErrnoAction makes the action that fails the syscall with errno.
func ErrnoAction(errno int) (Action, error) {
	if errno < 1 || errno > MaxErrno {
		return Action{}, fmt.Errorf("%w: errno %d out of range 1..%d", ErrInvalidAction, errno, MaxErrno)
	}
	return Action{Kind: Errno, Value: uint16(errno)}, nil
}

// TraceAction makes the action that stops for the tracer; ud is what
// PTRACE_GETEVENTMSG returns.
func TraceAction(ud int64) (Action, error) {
	if ud < 0 || ud > MaxTraceData {
		return Action{}, fmt.Errorf("%w: trace data %d out of range 0..%d", ErrInvalidAction, ud, MaxTraceData)
	}
	return Action{Kind: Trace, Value: uint16(ud)}, nil
}

// scmp maps a validated action onto libseccomp's encoding.
func (a Action) scmp() (seccomp.ScmpAction, error) {
	if err := a.Validate(); err != nil {
		return seccomp.ActInvalid, err
	}
	switch a.Kind {
	case Allow:
		return seccomp.ActAllow, nil
	case KillProcess:
		return seccomp.ActKillProcess, nil
	case KillThread:
		return seccomp.ActKillThread, nil
	case Trap:
		return seccomp.ActTrap, nil
	case Log:
		return seccomp.ActLog, nil
	case Notify:
		return seccomp.ActNotify, nil
	case Errno:
		return seccomp.ActErrno.SetReturnCode(int16(a.Value)), nil
	case Trace:
		// SetReturnCode masks to 16 bits, so the int16 wrap-around of
		// values above 32767 is exactly the bit pattern the kernel wants.
		return seccomp.ActTrace.SetReturnCode(int16(a.Value)), nil
	}
	return seccomp.ActInvalid, fmt.Errorf("%w: unknown action kind %d", ErrInvalidAction, a.Kind)
}
