package engine

/*
#include <signal.h>
#include <string.h>

static void wake_handler(int sig) { (void)sig; }

// install_wake_handler makes sig interrupt a blocking syscall on the thread
// it is sent to: a handler that does nothing, without SA_RESTART, so a
// wait4 it interrupts returns EINTR. SA_ONSTACK because every Go thread runs
// handlers on its signal stack. Returns the signal number, or -1.
static int install_wake_handler(void) {
	int sig = SIGRTMIN + 6;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wake_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		return -1;
	return sig;
}
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// wakeSignal is the real-time signal that interrupts the tracer thread's
// wait4 (installed once, on first use); 0 until then, -1 if it failed.
var (
	wakeOnce   sync.Once
	wakeSignal int
)

func wakeSig() int {
	wakeOnce.Do(func() { wakeSignal = int(C.install_wake_handler()) })
	return wakeSignal
}

// ringInterval is how often a posted job re-signals a tracer thread that
// has not taken it yet. The signal can land just before the thread enters
// wait4 (it then blocks anyway); the next ring interrupts it.
const ringInterval = time.Millisecond

// mailbox hands work from other goroutines to the tracer thread, which
// spends its time blocked in wait4: a deferred decision completing (an
// emulated connect), a notification from a second stop source. post
// queues a job and interrupts wait4 with wakeSig; the trace loop runs the
// queued jobs between events. Nothing runs, and nothing is started, until
// the first post: a trace that never posts pays one atomic load per event.
type mailbox struct {
	pid, tid int // the tracer's process and thread

	mu     sync.Mutex
	queue  []func()
	closed bool

	pending atomic.Bool // queue is not empty
	waiting atomic.Bool // the tracer thread is in (or entering) wait4
	armed   atomic.Bool // the ringer is watching the queue (see post)
	ring    chan struct{}
	done    chan struct{}
	started bool

	// src is a second stop source the tracer thread serves itself (a
	// notification listener, serve.go); set and used on that thread only.
	src *notifSource
}

// setWaiting says that the tracer thread is in (or entering) wait4 (true)
// or out of it; the last check of busy comes after setWaiting(true).
func (m *mailbox) setWaiting(v bool) {
	m.waiting.Store(v)
	if m.src != nil {
		m.src.watch.setWaiting(v)
	}
}

// busy reports work for the tracer thread: a queued job, or a pending
// notification of src.
func (m *mailbox) busy() bool { return m.pending.Load() || (m.src != nil && m.src.ready()) }

// newMailbox binds a mailbox to the calling thread.
// Precondition: called on the tracer thread.
func newMailbox() *mailbox {
	return &mailbox{pid: unix.Getpid(), tid: unix.Gettid(), ring: make(chan struct{}, 1), done: make(chan struct{})}
}

// post queues fn to run on the tracer thread as soon as the trace loop is
// between events. Safe from any goroutine. It reports false, and fn never
// runs, once the trace has ended; jobs still queued when it ends are
// dropped too, so fn must not be the only owner of anything that needs
// closing.
func (m *mailbox) post(fn func()) bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	m.queue = append(m.queue, fn)
	m.pending.Store(true)
	if !m.started {
		m.started = true
		wakeSig()
		go m.ringer()
	}
	m.mu.Unlock()
	// The poster rings itself: no goroutine hand-off on the way to the
	// tracer thread. The signal can still land just before the thread
	// enters wait4; the ringer, armed once per burst of posts rather than
	// woken by each, rings again an interval later while jobs wait.
	if sig := wakeSig(); sig > 0 && m.waiting.Load() {
		unix.Tgkill(m.pid, m.tid, unix.Signal(sig))
	}
	if !m.armed.Swap(true) {
		select {
		case m.ring <- struct{}{}:
		default:
		}
	}
	return true
}

// ringer interrupts the tracer thread's wait4 while jobs stay queued.
func (m *mailbox) ringer() {
	sig := wakeSig()
	if sig <= 0 {
		return // no handler: jobs run after the next event
	}
	t := time.NewTimer(ringInterval)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-m.ring:
		}
		for {
			t.Reset(ringInterval)
			select {
			case <-m.done:
				return
			case <-t.C:
			}
			if m.pending.Load() {
				if m.waiting.Load() {
					unix.Tgkill(m.pid, m.tid, unix.Signal(sig))
				}
				continue
			}
			// disarmed: the next post arms it again; one made since
			// the check above found it still armed, so look once more
			m.armed.Store(false)
			if !m.pending.Load() || m.armed.Swap(true) {
				break
			}
		}
	}
}

// run runs the queued jobs, in the order they were posted.
// Precondition: called on the tracer thread.
func (m *mailbox) run() {
	if m.src != nil && m.src.ready() {
		m.src.serve()
	}
	if !m.pending.Load() {
		return
	}
	for {
		m.mu.Lock()
		jobs := m.queue
		m.queue = nil
		m.pending.Store(false)
		m.mu.Unlock()
		if len(jobs) == 0 {
			return
		}
		for _, fn := range jobs {
			fn()
		}
	}
}

// close ends the mailbox: later posts report false, queued jobs are dropped.
func (m *mailbox) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	m.queue = nil
	m.pending.Store(false)
	close(m.done)
}
