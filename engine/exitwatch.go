package engine

/*
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "cthread.h"

// exit_watch: a thread outside the Go runtime that waits for a pidfd to
// become readable (the process exited), then sets fired and interrupts the
// owner thread with sig until the owner sets acked. No Go code runs on it,
// so it needs no P: it works while the owner keeps the only one in a raw
// blocking call.
struct exit_watch {
	int pidfd, stopfd;
	int pid, tid, sig;
	// accessed with __atomic builtins (and Go's sync/atomic); waiting:
	// the owner is in (or entering) the call to interrupt, so a signal
	// never lands in anything else it does (a callback's system calls)
	int fired, acked, waiting;
	pthread_t th;
};

static void *exit_watch_run(void *arg) {
	struct exit_watch *w = arg;
	struct pollfd p[2] = {{w->pidfd, POLLIN, 0}, {w->stopfd, POLLIN, 0}};
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			return NULL;
		if (p[0].revents)
			break;
	}
	__atomic_store_n(&w->fired, 1, __ATOMIC_SEQ_CST);
	// The signal can land just before the owner enters its blocking call;
	// it is rung again every millisecond until the owner has seen fired.
	while (!__atomic_load_n(&w->acked, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&w->waiting, __ATOMIC_SEQ_CST))
			syscall(SYS_tgkill, w->pid, w->tid, w->sig);
		p[1].revents = 0;
		if (poll(&p[1], 1, 1) > 0)
			return NULL;
	}
	return NULL;
}

// exit_watch_start starts the thread (cthread.h). NULL on failure.
static struct exit_watch *exit_watch_start(int pidfd, int pid, int tid, int sig) {
	struct exit_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->pidfd = pidfd, w->pid = pid, w->tid = tid, w->sig = sig;
	w->stopfd = cthread_eventfd();
	if (w->stopfd < 0) {
		free(w);
		return NULL;
	}
	if (cthread_start(&w->th, exit_watch_run, w) != 0) {
		close(w->stopfd);
		free(w);
		return NULL;
	}
	return w;
}

// exit_watch_stop ends the thread and frees w (not the pidfd).
static void exit_watch_stop(struct exit_watch *w) {
	__atomic_store_n(&w->acked, 1, __ATOMIC_SEQ_CST);
	cthread_ring(w->stopfd);
	pthread_join(w->th, NULL);
	close(w->stopfd);
	free(w);
}

// notif_watch: a thread outside the Go runtime that waits for a listener
// to have a notification pending, then sets ready and interrupts the
// owner thread (its wait4) with sig until the owner clears ready; it then
// waits for the owner's rearm (an eventfd write) before it polls again.
// A hung-up listener (no task left) ends it.
struct notif_watch {
	int lfd, stopfd, rearmfd;
	int pid, tid, sig;
	int ready, waiting; // waiting: as exit_watch's
	pthread_t th;
};

static void *notif_watch_run(void *arg) {
	struct notif_watch *w = arg;
	for (;;) {
		struct pollfd p[2] = {{w->lfd, POLLIN, 0}, {w->stopfd, POLLIN, 0}};
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			return NULL;
		if (!(p[0].revents & POLLIN))
			return NULL; // hung up, or not a listener any more
		__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
		// ring until the owner has taken it (the signal can land just
		// before its wait4), then wait for the rearm, which may come
		// at once: the owner goes on taking what its callers notify
		struct pollfd q[2] = {{w->rearmfd, POLLIN, 0}, {w->stopfd, POLLIN, 0}};
		for (;;) {
			int ringing = __atomic_load_n(&w->ready, __ATOMIC_SEQ_CST);
			if (ringing && __atomic_load_n(&w->waiting, __ATOMIC_SEQ_CST))
				syscall(SYS_tgkill, w->pid, w->tid, w->sig);
			q[0].revents = q[1].revents = 0;
			n = poll(q, 2, ringing ? 1 : -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || q[1].revents)
				return NULL;
			if (q[0].revents)
				break;
		}
		unsigned long long v;
		while (read(w->rearmfd, &v, sizeof v) < 0 && errno == EINTR)
			;
	}
}

static struct notif_watch *notif_watch_start(int lfd, int pid, int tid, int sig) {
	struct notif_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->lfd = lfd, w->pid = pid, w->tid = tid, w->sig = sig;
	w->stopfd = cthread_eventfd();
	w->rearmfd = cthread_eventfd();
	if (w->stopfd < 0 || w->rearmfd < 0)
		goto fail;
	if (cthread_start(&w->th, notif_watch_run, w) != 0)
		goto fail;
	return w;
fail:
	if (w->stopfd >= 0)
		close(w->stopfd);
	if (w->rearmfd >= 0)
		close(w->rearmfd);
	free(w);
	return NULL;
}

static void notif_watch_rearm(struct notif_watch *w) { cthread_ring(w->rearmfd); }

static void notif_watch_stop(struct notif_watch *w) {
	__atomic_store_n(&w->ready, 0, __ATOMIC_SEQ_CST);
	cthread_ring(w->stopfd);
	pthread_join(w->th, NULL);
	close(w->stopfd);
	close(w->rearmfd);
	free(w);
}
*/
import "C"

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// exitWatch tells a thread that blocks in raw system calls (the notify
// loop in SECCOMP_IOCTL_NOTIF_RECV) that a process exited: it sets a flag
// and interrupts the thread's call with the wake signal (installed without
// SA_RESTART, so the call fails with EINTR) until the thread has seen the
// flag. It lets that loop block in the receive itself rather than in a
// poll of the listener and a pidfd before every call.
type exitWatch struct {
	w *C.struct_exit_watch
}

// newExitWatch watches pidfd for the calling thread, which must stay
// locked to its OS thread until stop. nil when no watch can be started
// (no wake signal, no thread): the caller polls instead.
func newExitWatch(pidfd int) *exitWatch {
	sig := wakeSig()
	if sig <= 0 {
		return nil
	}
	w := C.exit_watch_start(C.int(pidfd), C.int(unix.Getpid()), C.int(unix.Gettid()), C.int(sig))
	if w == nil {
		return nil
	}
	return &exitWatch{w: w}
}

// fired reports whether the process exited; from then on the watch stops
// interrupting the thread.
func (e *exitWatch) fired() bool {
	if atomic.LoadInt32((*int32)(unsafe.Pointer(&e.w.fired))) == 0 {
		return false
	}
	atomic.StoreInt32((*int32)(unsafe.Pointer(&e.w.acked)), 1)
	return true
}

// setWaiting tells the watch that the thread is (true) or is no longer
// in the call it may interrupt; set it before the last check of fired.
func (e *exitWatch) setWaiting(v bool) {
	if e != nil {
		atomic.StoreInt32((*int32)(unsafe.Pointer(&e.w.waiting)), b2i(v))
	}
}

func b2i(v bool) int32 {
	if v {
		return 1
	}
	return 0
}

// stop ends the watch; it leaves the pidfd open.
func (e *exitWatch) stop() {
	if e != nil && e.w != nil {
		C.exit_watch_stop(e.w)
		e.w = nil
	}
}

// notifWatch tells the trace loop's thread, blocked in wait4, that its
// listener has a notification pending, so that one thread serves both
// stop sources without a goroutine between them: ready, then the loop
// takes what is pending and rearms the watch.
type notifWatch struct {
	w *C.struct_notif_watch
}

// newNotifWatch watches listener fd lfd for the calling thread (locked to
// its OS thread until stop); nil when no watch can be started.
func newNotifWatch(lfd int) *notifWatch {
	sig := wakeSig()
	if sig <= 0 {
		return nil
	}
	w := C.notif_watch_start(C.int(lfd), C.int(unix.Getpid()), C.int(unix.Gettid()), C.int(sig))
	if w == nil {
		return nil
	}
	return &notifWatch{w: w}
}

// ready reports that a notification is pending.
func (n *notifWatch) ready() bool {
	return atomic.LoadInt32((*int32)(unsafe.Pointer(&n.w.ready))) != 0
}

// taken stops the ringing: the loop takes what is pending now.
func (n *notifWatch) taken() { atomic.StoreInt32((*int32)(unsafe.Pointer(&n.w.ready)), 0) }

// setWaiting is exitWatch.setWaiting: the thread is in wait4 (true).
func (n *notifWatch) setWaiting(v bool) {
	atomic.StoreInt32((*int32)(unsafe.Pointer(&n.w.waiting)), b2i(v))
}

// rearm lets the watch wait for the next notification.
func (n *notifWatch) rearm() { C.notif_watch_rearm(n.w) }

func (n *notifWatch) stop() {
	if n != nil && n.w != nil {
		C.notif_watch_stop(n.w)
		n.w = nil
	}
}
