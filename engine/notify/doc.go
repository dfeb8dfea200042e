// Package notify is the seccomp user-notification side of the engine: a
// listener (the descriptor SECCOMP_FILTER_FLAG_NEW_LISTENER returns), the
// notified calls it receives (SECCOMP_IOCTL_NOTIF_RECV) and their answers
// (SECCOMP_IOCTL_NOTIF_SEND, SECCOMP_IOCTL_NOTIF_ADDFD).
//
// A notified call is not stopped the way a ptrace stop is: the calling
// thread sleeps in the kernel until it is answered, and it may be killed
// meanwhile, its pid reused. Every reader of the caller's memory or
// descriptors therefore checks SECCOMP_IOCTL_NOTIF_ID_VALID after it has
// read and before it returns anything, as seccomp_unotify(2) requires: a
// read whose check fails returns ErrGone and nothing read.
//
// What the readers return is still what the memory held at the time of the
// read: another thread of the caller can change it before the kernel runs
// the call (time of check, time of use). Answering CONTINUE on the strength
// of a path read here is therefore no security policy (the kernel's
// seccomp_filter documentation says so); a decision on a path is race-free
// only when the supervisor performs the call itself and answers with its
// result, as ReplyFd does for an open.
//
// OpenBeneath is the supervisor's half of such an emulated open (openat2
// with RESOLVE_BENEATH and no symlinks); SendFd and RecvFd pass a listener
// to another process over a unix socket (SCM_RIGHTS), which serves it as
// its own. engine.Session.Serve and ServeListener run the serving loop.
//
// A Listener is safe for use by one receiving goroutine and one answering
// goroutine at a time; a Call belongs to whoever received it.
package notify
