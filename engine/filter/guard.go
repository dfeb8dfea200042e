package filter

import (
	"slices"

	"golang.org/x/sys/unix"
)

// TracerGuarded returns s plus a rule that keeps a traced program from
// taking its traced calls away from the tracer. The kernel ranks
// SECCOMP_RET_USER_NOTIF above SECCOMP_RET_TRACE, so a program that adds a
// filter of its own with a notification listener would see its traced
// calls answered by itself, never stopping. Installing such a filter
// (seccomp(SECCOMP_SET_MODE_FILTER) with SECCOMP_FILTER_FLAG_NEW_LISTENER)
// therefore fails with EPERM; other filters are still allowed, since many
// programs sandbox themselves. A spec with no trace rule, or with a rule of
// its own for seccomp(2), is returned as it is.
func (s Spec) TracerGuarded() Spec {
	tracing := false
	for _, r := range s.Rules {
		if r.Syscall == unix.SYS_SECCOMP {
			return s
		}
		tracing = tracing || r.Action.Kind == Trace
	}
	if !tracing {
		return s
	}
	deny, err := ErrnoAction(int(unix.EPERM))
	if err != nil {
		return s
	}
	guarded := Spec{Default: s.Default, Rules: slices.Clone(s.Rules)}
	err = guarded.Add(Rule{Action: deny, Syscall: unix.SYS_SECCOMP, Conds: []Cond{
		{Arg: 0, Op: EQ, Value: unix.SECCOMP_SET_MODE_FILTER},
		{Arg: 1, Op: MaskedEQ, Value: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, Value2: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
	}})
	if err != nil {
		return s
	}
	return guarded
}
