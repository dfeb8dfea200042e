package engine

import (
	"errors"
)

var (
	// ErrWrongThread: a Session method was called from a thread other than
	// the one that created it; ptrace would fail with ESRCH or, worse, act on
	// the wrong tracer.
	ErrWrongThread = errors.New("engine: called from a thread other than the tracer thread")
	// ErrNotChild: the pid is not a child this Session spawned.
	ErrNotChild = errors.New("not a child spawned by this session")
	// ErrReleased: a child already released cannot be traced any more: it
	// may have run traced syscalls without a tracer.
	ErrReleased = errors.New("child already released")
	// ErrParentGone: the helper child's parent closed the release pipe
	// without releasing it.
	ErrParentGone = errors.New("parent exited before releasing the child")
	// ErrCallStale: a Stop was used after its handler returned.
	ErrCallStale = errors.New("stop used after its handler returned")
	// ErrAtExit: OnReturn was asked for at a call's exit stop, where the
	// call has already returned.
	ErrAtExit = errors.New("the call is already at its exit")
	// ErrNotSockCall: a socket-call reader or Emulate was used at the stop
	// of a syscall that is not connect, bind, sendto, sendmsg or sendmmsg.
	ErrNotSockCall = errors.New("not a socket call the tracer can emulate (connect, bind, sendto, sendmsg, sendmmsg)")
)

// HandlerError wraps an error returned by a Handler; the traced tree has been
// killed when Trace returns it.
type HandlerError struct{ Err error }

func (e *HandlerError) Error() string { return e.Err.Error() }
func (e *HandlerError) Unwrap() error { return e.Err }
