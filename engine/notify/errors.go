package notify

import "errors"

var (
	// ErrGone: the notified call is no longer pending (its thread was
	// killed, or the call was already answered). Normal flow: the caller
	// needs no answer any more.
	ErrGone = errors.New("notified call no longer pending (the thread was killed or the call answered)")
	// ErrClosed: the listener was closed.
	ErrClosed = errors.New("notification listener closed")
	// ErrNoUsers: every task the filter applied to has exited; the
	// listener will receive nothing more.
	ErrNoUsers = errors.New("notification listener has no tasks left")
	// ErrInterrupted: a signal interrupted ReceiveWait before a
	// notification came (a signal handler without SA_RESTART ran).
	ErrInterrupted = errors.New("receiving a notification was interrupted")
)
