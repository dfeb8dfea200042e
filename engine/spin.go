package engine

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The tracer polls before it sleeps. On a machine where tracer and tracee
// run on different CPUs, a ptrace stop wakes the sleeping tracer thread
// and the tracer's PTRACE_CONT wakes the tracee's CPU; on a VM each wake-up
// of an idle virtual CPU is an exit to the host, and one stop round trip
// there cost 46–51 µs, against 9 µs with both on one CPU
// (BenchmarkSeccompStop, cpu=any and cpu=same). A tracer that keeps
// asking wait4(WNOHANG) for a few microseconds after resuming a tracee
// catches the next stop without having slept: 16–19 µs a stop.
//
// The poll adapts as the guest's haltpoll governor does: the budget grows
// (doubling, from pollStart) while events come soon after the tracer gave
// up polling, and halves when they come later than pollMax, so a trace
// whose stops are far apart soon stops polling at all, and the CPU time
// spent polling stays a small multiple of the time it saves.
//
// The notify-only loop (serve.go) does not poll: it sets
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, under which the kernel runs the
// answered caller on the supervisor's CPU, where a poll would keep it from
// running. Measured per notified getppid with a Lua callback: 40.9–42.9 µs
// with neither, 9.7–14.6 µs polling without the flag, 5.9–6.7 µs with the
// flag alone.
const (
	pollStart = 10 * time.Microsecond
)

// DefaultPollMax is the longest the tracer polls for the next event before
// it sleeps in wait4, as the guest haltpoll governor's default.
const DefaultPollMax = 200 * time.Microsecond

var pollMaxSetting atomic.Int64

func init() { pollMaxSetting.Store(int64(DefaultPollMax)) }

// SetPollMax sets the longest poll of traces started from now on; 0 turns
// polling off (every wait sleeps in wait4 at once).
func SetPollMax(d time.Duration) { pollMaxSetting.Store(int64(max(d, 0))) }

// poller holds the adaptive budget of one trace loop.
type poller struct {
	max, budget time.Duration
}

// after records that the last event came wait after the tracer started
// waiting for it, having polled for the whole budget without seeing it.
func (p *poller) after(wait time.Duration) {
	switch {
	case wait <= p.max:
		p.budget = max(2*p.budget, pollStart)
		p.budget = min(p.budget, p.max)
	case p.budget > 0:
		p.budget /= 2
		if p.budget < pollStart {
			p.budget = 0
		}
	}
}

// wait4NoHang is wait4(-1, ws, __WALL|WNOHANG) as a raw syscall: 0 when no
// event is there.
func wait4NoHang(ws *unix.WaitStatus) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(ws)), unix.WALL|unix.WNOHANG, 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// waitEvent is wait4 that polls first (see poller). A job posted to the
// mailbox while polling ends the poll with EINTR, as it would interrupt
// the blocking wait.
// Precondition: the runtime OS thread must be locked.
func (t *trace) waitEvent(ws *unix.WaitStatus) (int, error) {
	p := &t.poll
	if p.max <= 0 {
		return t.wait4(ws)
	}
	start := time.Now()
	if p.budget > 0 {
		for {
			wpid, err := wait4NoHang(ws)
			if wpid != 0 || err != nil {
				return wpid, err
			}
			if t.mail.busy() {
				return -1, unix.EINTR
			}
			if time.Since(start) >= p.budget {
				break
			}
		}
	}
	wpid, err := t.wait4(ws)
	if err == nil {
		p.after(time.Since(start))
	}
	return wpid, err
}

// pollMax is the SetPollMax setting, or 0 when the calling thread may run
// on one CPU only: it would poll on the CPU the tracee needs.
// Precondition: called on the tracer thread.
func pollMax() time.Duration {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err == nil && set.Count() < 2 {
		return 0
	}
	return time.Duration(pollMaxSetting.Load())
}
