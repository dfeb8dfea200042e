package engine

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A held call blocks in the tracer, on one of its threads, while the
// tracee's thread waits in its seccomp stop, where signals sent to it stay
// pending. So that the tracee can still be interrupted (Ctrl-C, alarm(),
// SIGTERM, job control), a watcher reads the thread's pending signals
// every signalPoll and, when one it does not block is pending, interrupts
// the tracer's call with the mailbox's wake signal (installed without
// SA_RESTART: the call returns EINTR). The held call is then restarted:
// the tracee runs the signal's handler and issues the same call again, as
// the kernel restarts a call interrupted by a handler with SA_RESTART (a
// blocking connect goes on waiting for the same connection); with
// SO_SNDTIMEO set it fails with EINTR instead, as the kernel's does.
const signalPoll = 10 * time.Millisecond

// Why a call was interrupted.
const (
	whyNone = iota
	whySignal
	whyAbandon
	whyTimeout
)

// interruptible runs one blocking syscall that another goroutine may
// interrupt.
type interruptible struct {
	state atomic.Int32 // 0 before, 1 in the call, 2 finished
	tid   atomic.Int32 // the OS thread making the call
	why   atomic.Int32
	// keep: the call changed its OS thread (unshare), which must die
	// with the goroutine rather than run other goroutines.
	keep bool
}

// run calls fn on a locked OS thread and watches the tracee's thread
// (tgid, tid) meanwhile. An EINTR the tracer did not ask for (a wake
// signal meant for an earlier call on the same OS thread) repeats the
// call: for a blocking connect that goes on waiting, for a send nothing
// was sent.
func (w *interruptible) run(fn func() int64, tgid, tid int, abandon <-chan struct{}) (int64, int) {
	wakeSig()
	done := make(chan struct{})
	// the watcher starts only for a call still running after signalPoll
	// (most are over long before: a loopback connect)
	watcher := time.AfterFunc(signalPoll, func() { w.watch(tgid, tid, abandon, done) })
	defer watcher.Stop()
	runtime.LockOSThread()
	ret := w.call(fn)
	if !w.keep {
		runtime.UnlockOSThread()
	}
	close(done)
	return ret, int(w.why.Load())
}

// runFor calls fn on the calling (locked) OS thread, interrupted after d:
// timedOut reports that it was, with EINTR and nothing done that cannot be
// done again (a connect goes on; a send had sent nothing).
// Precondition: the OS thread is locked (the tracer thread).
func (w *interruptible) runFor(fn func() int64, d time.Duration) (ret int64, timedOut bool) {
	wakeSig()
	done := make(chan struct{})
	timer := time.AfterFunc(d, func() { w.interrupt(whyTimeout, done) })
	ret = w.call(fn)
	close(done)
	timer.Stop()
	return ret, ret == -int64(unix.EINTR) && w.why.Load() == whyTimeout
}

// call makes fn on this (locked) OS thread until it returns anything but
// an EINTR the tracer did not ask for.
func (w *interruptible) call(fn func() int64) int64 {
	w.tid.Store(int32(unix.Gettid()))
	var ret int64
	for {
		w.state.Store(1)
		ret = fn()
		if ret != -int64(unix.EINTR) || w.why.Load() != whyNone {
			break
		}
	}
	w.state.Store(2)
	return ret
}

func (w *interruptible) watch(tgid, tid int, abandon <-chan struct{}, done <-chan struct{}) {
	tick := time.NewTicker(signalPoll)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-abandon:
			w.interrupt(whyAbandon, done)
			return
		case <-tick.C:
			if signalPending(tgid, tid) {
				w.interrupt(whySignal, done)
				return
			}
		}
	}
}

// interrupt rings the calling OS thread until the call has returned: the
// signal can land just before the thread enters the syscall.
func (w *interruptible) interrupt(why int32, done <-chan struct{}) {
	w.why.CompareAndSwap(whyNone, why)
	sig := wakeSig()
	if sig <= 0 {
		return
	}
	pid := unix.Getpid()
	for w.state.Load() != 2 {
		if w.state.Load() == 1 {
			unix.Tgkill(pid, int(w.tid.Load()), unix.Signal(sig))
		}
		select {
		case <-done:
			return
		case <-time.After(ringInterval):
		}
	}
}

// procStatus reads the hex or decimal fields of /proc/TGID/task/TID/status.
func procStatus(tgid, tid int, keys ...string) (map[string]uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tgid) + "/task/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return nil, false
	}
	out := make(map[string]uint64, len(keys))
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if k == want {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil {
					out[k] = n
				}
			}
		}
	}
	return out, len(out) == len(keys)
}

// signalPending: a signal the thread does not block or ignore is pending
// for it or for its process.
func signalPending(tgid, tid int) bool {
	f, ok := procStatus(tgid, tid, "SigPnd", "ShdPnd", "SigBlk", "SigIgn")
	if !ok {
		return false
	}
	return (f["SigPnd"]|f["ShdPnd"])&^f["SigBlk"]&^f["SigIgn"] != 0
}

// hasCap reports whether the tracee's thread has capability c in effect.
func hasCap(tgid, tid, c int) bool {
	f, ok := procStatus(tgid, tid, "CapEff")
	return ok && f["CapEff"]&(1<<uint(c)) != 0
}

// unprivilegedPortStart is net.ipv4.ip_unprivileged_port_start (1024 if
// unreadable).
func unprivilegedPortStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return 1024
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 1024
	}
	return n
}
