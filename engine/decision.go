package engine

import (
	"syscall"

	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// Verdict is what happens to a call at its seccomp stop.
type Verdict uint8

const (
	// Allow runs the call.
	Allow Verdict = iota
	// Fail skips the call; it fails with errno Decision.Value.
	Fail
	// Return skips the call; it returns Decision.Value.
	Return
	// KillProcess SIGKILLs the calling thread group.
	KillProcess
	// KillAll SIGKILLs every traced process, including children whose
	// creation has not been reported yet.
	KillAll
	// Hold keeps the calling thread in its seccomp stop while
	// Decision.Later runs on another goroutine; the decision Later returns
	// is applied when it completes (see held.go). Other tracees go on
	// meanwhile.
	Hold
	// Restart skips the call and rewinds the thread to issue it again
	// when it resumes: after the handler of a pending signal, the way the
	// kernel restarts an interrupted call (SA_RESTART). A Later that was
	// interrupted by a signal for the tracee returns it.
	Restart
	// ReplyFd (notified calls only) makes the call return a copy of this
	// process's descriptor Decision.Value, installed in the caller
	// (close-on-exec with Decision.Cloexec). The descriptor is handed
	// over: this process closes its own once the call is answered.
	ReplyFd
)

// Decision is a handler's answer at a seccomp stop.
type Decision struct {
	Verdict Verdict
	Value   int64
	// Later decides a Hold (nil otherwise).
	Later Deferred
	// Cloexec: the descriptor of a ReplyFd is close-on-exec in the caller.
	Cloexec bool
}

// Hooks are the handler's callbacks. They run on the tracer thread while
// the tracee is stopped; the tracer resumes (or kills) it whatever they do.
type Hooks struct {
	// Seccomp runs at each SECCOMP_RET_TRACE stop. An error kills the
	// traced tree and ends Trace with a *HandlerError.
	Seccomp func(*Stop) (Decision, error)
	// Notify runs for each notified call (SECCOMP_RET_USER_NOTIF) when
	// the tree is served by Session.Serve; nil answers CONTINUE. It may
	// decide Allow (CONTINUE), Fail, Return, ReplyFd, KillProcess or
	// KillAll. An error kills the tree, as for Seccomp.
	Notify func(*notify.Call) (Decision, error)
	// Listener, if set, gets the child's notification listener when Serve
	// serves it without ptrace; handed reports that it passed the
	// descriptor on (notify.SendFd) for another process to serve: Serve
	// then only waits for the child. The descriptor stays Serve's.
	Listener func(fd int) (handed bool, err error)
	// Exit, if set, runs when a traced process (thread group) has ended,
	// the root included. An error kills the rest of the traced tree and
	// ends Trace with a *HandlerError.
	Exit func(Status) error
	// Interrupt, if set, is called when the terminal's SIGINT or SIGQUIT
	// reaches the tracer while it traces. It runs on another goroutine, so
	// it must only do goroutine-safe things (cancel a context).
	Interrupt func(syscall.Signal)
	// Signal, if set, runs at each signal-delivery stop of a tracee with
	// the raw siginfo_t (nil when it could not be read). The signal is
	// delivered whatever it does.
	Signal func(tid, pid int, sig syscall.Signal, info []byte)
	// ThreadExit, if set, runs when any traced thread has ended (thread
	// group leaders too, before Exit), with its tid.
	ThreadExit func(tid int, st Status)
	// NewThread, if set, runs when a traced task forks, vforks or clones
	// and the new task is traced (strace's "Process N attached" under -f).
	NewThread func(tid int)
}
