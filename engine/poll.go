package engine

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The tracer polls before it sleeps. On a machine where tracer and tracee
// run on different CPUs, a ptrace stop wakes the sleeping tracer thread
// and the tracer's PTRACE_CONT wakes the tracee's CPU; on a VM each wake-up
// of an idle virtual CPU is an exit to the host, and one stop round trip
// there cost 46–51 µs, against 9 µs with both on one CPU
// (BenchmarkSeccompStop, cpu=any/poll=0 and cpu=same). A tracer that keeps
// asking wait4(WNOHANG) for a few microseconds after resuming a tracee
// catches the next stop without having slept: 16–19 µs a stop. How costly
// a wake-up is depends on the host: an hour later the same VM woke a CPU
// cheaply (10–11 µs a stop across CPUs), and polling cost 12 µs. Hence
// the measure below of whether polling pays.
//
// The poll adapts as the guest's haltpoll governor does: the budget grows
// (doubling, from pollStart) while events come soon after the tracer gave
// up polling, and halves when they come later than pollMax, so a trace
// whose stops are far apart soon stops polling at all.
//
// The notify-only loop (serve.go) does not poll: it sets
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, under which the kernel runs the
// answered caller on the supervisor's CPU, where a poll would keep it from
// running. Measured per notified getppid with a Lua callback: 40.9–42.9 µs
// with neither, 9.7–14.6 µs polling without the flag, 5.9–6.7 µs with the
// flag alone.
const pollStart = 10 * time.Microsecond

// DefaultPollMax is the longest the tracer polls for the next event before
// it sleeps in wait4, as the guest haltpoll governor's default.
const DefaultPollMax = 200 * time.Microsecond

var pollMaxSetting atomic.Int64

func init() { pollMaxSetting.Store(int64(DefaultPollMax)) }

// SetPollMax sets the longest poll of traces started from now on; 0 turns
// polling off (every wait sleeps in wait4 at once).
func SetPollMax(d time.Duration) { pollMaxSetting.Store(int64(max(d, 0))) }

// Whether to poll at all is measured, not assumed. While the tracer
// polls, its CPU is busy, and on this VM that slowed a tracee working
// between its stops: a program that makes 20,000 traced connects among
// 2,000,000 untraced calls ran 1.4–1.6 s polling against 0.8 s sleeping
// (the two virtual CPUs share the host's time). So the loop times its
// events in windows of pollWindow and keeps a running mean of the
// interval between events with the poll on and with it off; each window
// uses the mode with the shorter interval, and every pollProbe-th window
// tries the other one again (the work may have changed).
const (
	pollWindow = 128
	pollProbe  = 32
)

// poller holds the adaptive budget of one trace loop and the measure of
// whether polling pays.
type poller struct {
	max, budget time.Duration
	off         bool      // this window does not poll
	n           int       // events so far in this window
	start       time.Time // the window's first event
	windows     int
	// mean interval between events, polling off [0] and on [1]; 0 until
	// measured
	mean [2]time.Duration
}

// event records that an event came at now and, at the end of a window,
// chooses the next window's mode.
func (p *poller) event(now time.Time) {
	if p.n == 0 {
		p.start = now
	}
	if p.n++; p.n <= pollWindow {
		return
	}
	i := 1
	if p.off {
		i = 0
	}
	m := now.Sub(p.start) / pollWindow
	if p.mean[i] == 0 {
		p.mean[i] = m
	} else {
		p.mean[i] = (3*p.mean[i] + m) / 4
	}
	p.windows++
	p.n, p.start = 1, now
	switch {
	case p.mean[0] == 0:
		p.off = true // measure the other mode once first
	case p.mean[1] == 0:
		p.off = false
	default:
		p.off = p.mean[0] < p.mean[1]
		if p.windows%pollProbe == 0 {
			p.off = !p.off
		}
	}
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
	if p.budget > 0 && !p.off {
		for {
			wpid, err := rawWait4(ws, unix.WNOHANG) // 0: no event yet
			if wpid != 0 || err != nil {
				if wpid > 0 {
					p.event(time.Now())
				}
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
		now := time.Now()
		if !p.off {
			p.after(now.Sub(start))
		}
		p.event(now)
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
