// Package engine runs and traces processes for sctrace-lua: it starts helper
// children, seizes them with ptrace, waits for their seccomp stops and applies
// the decisions a handler makes. It knows nothing about Lua.
//
// # Threading
//
// ptrace requests and wait4 on a tracee must come from the OS thread that
// seized it, so a Session binds itself to the thread that created it and
// every method checks it: create the Session after runtime.LockOSThread and
// call it from that goroutine only. A Session is not safe for concurrent use.
//
// Work that finishes on another goroutine while a trace runs (a deferred
// decision) reaches the tracer thread through the trace's mailbox: post
// queues a job and interrupts the blocking wait4 with a real-time signal
// whose handler is installed without SA_RESTART; the loop runs queued jobs
// between events. The signal is sent only while the tracer thread waits,
// and re-sent every millisecond until the job is taken, since it can land
// just before wait4 is entered. A second stop source (a notification
// listener in a traced child) wakes wait4 the same way, from a watch
// thread outside the Go runtime (exitwatch.go), and the loop receives and
// answers its calls itself. The notify-only loop blocks in the listener's
// receive, and a watch thread of the same kind interrupts it when the
// child exits.
//
// A handler may answer Hold with a Deferred (held.go): the calling thread
// stays in its seccomp stop while the Deferred runs on its own goroutine,
// and its decision is applied through the mailbox. Any event reported for
// a held thread, and the end of the trace, abandons the hold. Stop.Emulate
// (emulate.go) is built on it: the tracer performs a socket call on its own
// copy of the tracee's fd (pidfd_getfd) with the bytes its readers saw, at
// once when the call cannot block, else bounded on the tracer thread and
// then held.
//
// In a helper child (IsHelper reports true) this package locks the main
// goroutine's thread in init: the filter is installed and execve is called
// from that thread, and seize attached only that thread.
//
// # Lifetime
//
// Children started with Spawn wait, before running anything, until the parent
// releases them: Session.Trace seizes the child and then releases it, so no
// traced syscall can run before the tracer is attached (it would fail with
// ENOSYS). Session.Serve releases it unseized; the child asks over its
// control socket, at exec and before installing its filters, for a tracer
// (trace rules) and passes its notification listener (notify rules), so a
// child with notify rules only is never ptraced (serve.go). Wait and Kill
// release a child untraced. Every tracee is seized with
// PTRACE_O_EXITKILL, so when the tracer dies its tracees die with it.
//
// Statuses of children that wait4(-1) collects while tracing, but that are not
// tracees, are kept by the Session and handed out by Wait: nothing is lost.
package engine
