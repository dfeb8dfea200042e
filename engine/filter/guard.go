package filter

import (
	"errors"
	"fmt"
	"slices"
	"strings"

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
	return s.ListenerGuarded()
}

// ListenerGuarded returns s plus the rule TracerGuarded adds, whatever
// rules s has: for a filter installed after the traced ones (the
// listener's own filter must be installed before any guarded one). A spec
// with a rule of its own for seccomp(2) is returned as it is.
func (s Spec) ListenerGuarded() Spec {
	for _, r := range s.Rules {
		if r.Syscall == unix.SYS_SECCOMP {
			return s
		}
	}
	deny, err := ErrnoAction(int(unix.EPERM))
	if err != nil {
		return s
	}
	guarded := Spec{Default: s.Default, Rules: slices.Clone(s.Rules), Guards: s.Guards}
	err = guarded.Add(Rule{Action: deny, Syscall: unix.SYS_SECCOMP, Conds: []Cond{
		{Arg: 0, Op: EQ, Value: unix.SECCOMP_SET_MODE_FILTER},
		{Arg: 1, Op: MaskedEQ, Value: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, Value2: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
	}})
	if err != nil {
		return s
	}
	return guarded
}

// Guard names a kernel-side protection a policy asks for: rules the tracer
// installs as a filter of their own, before the policy's (see GuardSpec).
// They keep an enforcing tracer in control of its tracees; each is refused
// in the kernel, so no stop, race or tracee memory is involved.
type Guard string

const (
	// GuardPtrace: ptrace(2), process_vm_writev(2) and pidfd_getfd(2)
	// fail with EPERM, so a tracee can neither trace (a child of its own
	// that escaped, its tracer) nor write another process's memory or
	// take its descriptors.
	GuardPtrace Guard = "ptrace"
	// GuardUntraced: clone(2) with CLONE_UNTRACED fails with EPERM, and
	// clone3(2), whose flags live in memory seccomp cannot read, fails
	// with ENOSYS (libc then falls back to clone), so every child is
	// traced.
	GuardUntraced Guard = "untraced"
	// GuardIoUring: io_uring_setup, io_uring_enter and io_uring_register
	// fail with EPERM (as in Docker's default profile): io_uring performs
	// file and network operations no seccomp stop sees.
	GuardIoUring Guard = "io_uring"
	// GuardTIOCSTI: ioctl TIOCSTI (push input into a terminal) and
	// TIOCLINUX fail with EPERM: a confined program could otherwise type
	// commands into the shell that started it, outside every policy.
	GuardTIOCSTI Guard = "tiocsti"
)

// Guards lists every guard, in the order GuardSpec installs them.
var Guards = []Guard{GuardPtrace, GuardUntraced, GuardIoUring, GuardTIOCSTI}

// GuardDoc is one line on what a guard refuses, for explain.
func GuardDoc(g Guard) string {
	switch g {
	case GuardPtrace:
		return "ptrace, process_vm_writev, pidfd_getfd fail with EPERM"
	case GuardUntraced:
		return "clone with CLONE_UNTRACED fails with EPERM; clone3 fails with ENOSYS (libc falls back to clone)"
	case GuardIoUring:
		return "io_uring_setup, io_uring_enter, io_uring_register fail with EPERM"
	case GuardTIOCSTI:
		return "ioctl TIOCSTI and TIOCLINUX fail with EPERM"
	}
	return ""
}

// ParseGuard checks a guard name.
func ParseGuard(name string) (Guard, error) {
	for _, g := range Guards {
		if string(g) == name {
			return g, nil
		}
	}
	var names []string
	for _, g := range Guards {
		names = append(names, string(g))
	}
	return "", fmt.Errorf("%w: unknown guard %q (guards: %s)", ErrInvalidAction, name, strings.Join(names, ", "))
}

const (
	cloneFlagsArg = 0 // clone's flags come first on amd64 and arm64
	cloneUntraced = 0x00800000
	tiocsti       = 0x5412
	tioclinux     = 0x541c
)

// GuardSpec is the filter that enforces guards: default allow, every
// guarded call refused. It is installed as a separate program before the
// policy's own, so it never conflicts with the policy's rules and wins
// over them by the kernel's precedence (ERRNO outranks TRACE and ALLOW):
// a policy that traces clone3 still gets no clone3 stop, since the call
// fails with ENOSYS first.
func GuardSpec(guards []Guard) (Spec, error) {
	s := Spec{Default: ActionAllow}
	eperm, _ := ErrnoAction(int(unix.EPERM))
	enosys, _ := ErrnoAction(int(unix.ENOSYS))
	add := func(a Action, nr int, conds ...Cond) error {
		return s.Add(Rule{Action: a, Syscall: nr, Conds: conds})
	}
	seen := map[Guard]bool{}
	for _, g := range guards {
		if _, err := ParseGuard(string(g)); err != nil {
			return Spec{}, err
		}
		if seen[g] {
			continue
		}
		seen[g] = true
		var err error
		switch g {
		case GuardPtrace:
			err = errors.Join(add(eperm, unix.SYS_PTRACE), add(eperm, unix.SYS_PROCESS_VM_WRITEV), add(eperm, unix.SYS_PIDFD_GETFD))
		case GuardUntraced:
			err = errors.Join(add(eperm, unix.SYS_CLONE, Cond{Arg: cloneFlagsArg, Op: MaskedEQ, Value: cloneUntraced, Value2: cloneUntraced}),
				add(enosys, unix.SYS_CLONE3))
		case GuardIoUring:
			err = errors.Join(add(eperm, unix.SYS_IO_URING_SETUP), add(eperm, unix.SYS_IO_URING_ENTER), add(eperm, unix.SYS_IO_URING_REGISTER))
		case GuardTIOCSTI:
			// ioctl's request is an unsigned int: the kernel ignores the
			// upper half of the register, so compare the lower half only.
			err = errors.Join(add(eperm, unix.SYS_IOCTL, Cond{Arg: 1, Op: MaskedEQ, Value: 0xffffffff, Value2: tiocsti}))
			if err == nil {
				// a second rule on the same argument: libseccomp keeps
				// both (disjoint values)
				err = add(eperm, unix.SYS_IOCTL, Cond{Arg: 1, Op: MaskedEQ, Value: 0xffffffff, Value2: tioclinux})
			}
		}
		if err != nil {
			return Spec{}, fmt.Errorf("guard %s: %w", g, err)
		}
	}
	return s, nil
}
