package engine

/*
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "cthread.h"

// nudge: a thread outside the Go runtime that interrupts the owner
// thread's raw wait4 with sig once the same wait has lasted a whole tick,
// and again every tick while it lasts. No Go code runs on it, so it needs
// no P.
struct nudge {
	int stopfd;
	int pid, tid, sig, tick_ms;
	// accessed with __atomic builtins (and Go's sync/atomic): the
	// number of the wait the owner is in, 0 between waits
	int waiting;
	pthread_t th;
};

static void *nudge_run(void *arg) {
	struct nudge *w = arg;
	struct pollfd p = {w->stopfd, POLLIN, 0};
	int last = 0;
	for (;;) {
		p.revents = 0;
		int n = poll(&p, 1, w->tick_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0)
			return NULL; // stopped, or poll failed
		int cur = __atomic_load_n(&w->waiting, __ATOMIC_SEQ_CST);
		if (cur != 0 && cur == last)
			syscall(SYS_tgkill, w->pid, w->tid, w->sig);
		last = cur;
	}
}

// nudge_start starts the thread (cthread.h). NULL on failure.
static struct nudge *nudge_start(int pid, int tid, int sig, int tick_ms) {
	struct nudge *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->pid = pid, w->tid = tid, w->sig = sig, w->tick_ms = tick_ms;
	w->stopfd = cthread_eventfd();
	if (w->stopfd < 0) {
		free(w);
		return NULL;
	}
	if (cthread_start(&w->th, nudge_run, w) != 0) {
		close(w->stopfd);
		free(w);
		return NULL;
	}
	return w;
}

static void nudge_stop(struct nudge *w) {
	cthread_ring(w->stopfd);
	pthread_join(w->th, NULL);
	close(w->stopfd);
	free(w);
}
*/
import "C"

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nudgeTick is how long a raw wait4 may block before the nudge interrupts
// it (and how often again while it lasts).
const nudgeTick = 20 * time.Millisecond

// nudge keeps the raw wait4 (rawWait4) from holding off the Go runtime.
// That wait keeps the tracer thread's P and reaches no safe point, so a
// garbage collection that starts meanwhile (its stop-the-world, or a
// forEachP) waits for the next ptrace event, and every goroutine with it:
// with idle tracees, for ever (a detach on SIGINT, a held call's
// completion, the test binary's own timeout). The nudge interrupts a wait
// that has lasted a whole tick with the wake signal (no SA_RESTART: EINTR);
// the trace loop goes round, passing safe points, and waits again. A wait
// shorter than a tick, the common case, costs two atomic stores.
type nudge struct {
	w   *C.struct_nudge
	seq int32
}

// startNudge starts a nudge for the calling thread, which must stay locked
// to its OS thread until stop. nil when none can be started (no wake
// signal, no thread): waits then are not interrupted.
func startNudge() *nudge {
	sig := wakeSig()
	if sig <= 0 {
		return nil
	}
	w := C.nudge_start(C.int(unix.Getpid()), C.int(unix.Gettid()), C.int(sig), C.int(nudgeTick/time.Millisecond))
	if w == nil {
		return nil
	}
	return &nudge{w: w}
}

func (n *nudge) waitingPtr() *int32 { return (*int32)(unsafe.Pointer(&n.w.waiting)) }

// enter says that the thread is entering a raw wait.
func (n *nudge) enter() {
	if n == nil {
		return
	}
	n.seq++
	if n.seq <= 0 {
		n.seq = 1
	}
	atomic.StoreInt32(n.waitingPtr(), n.seq)
}

// leave says that the wait is over.
func (n *nudge) leave() {
	if n != nil {
		atomic.StoreInt32(n.waitingPtr(), 0)
	}
}

// stop ends the nudge thread.
func (n *nudge) stop() {
	if n != nil && n.w != nil {
		C.nudge_stop(n.w)
		n.w = nil
	}
}
