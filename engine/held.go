package engine

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Held calls: a decision that takes time (an emulated blocking connect, a
// send waiting for buffer space) runs on its own goroutine while the
// calling thread stays in its seccomp stop. The trace loop goes on serving
// every other tracee; the decision reaches the tracer thread through the
// mailbox and is applied there.
//
// Invariants:
//   - a held thread is resumed only by its completion: it is in a ptrace
//     stop, so the kernel reports nothing else for it, and any event that
//     is reported for its tid (it was killed, or a thread that exec'd took
//     its pid) abandons the hold first;
//   - an abandoned hold's decision is dropped, and the Deferred is told
//     through its abandon channel so it can stop early and release what it
//     holds (fd copies are the Deferred's, never the mailbox's: a job still
//     queued when the trace ends is dropped);
//   - while any Deferred goroutine is alive, or its decision waits in the
//     mailbox, the loop waits with a wait4 that gives its P back to the
//     scheduler, so the goroutine and the mailbox's ringer run even with
//     GOMAXPROCS=1 (the raw wait4 of the fast path keeps the P). The raw
//     wait4 holds off a garbage collection until the next ptrace event or
//     the nudge (nudge.go); had it waited for an event that needs a
//     goroutine, every goroutine would wait for the collection (up to a
//     nudge's 20 ms, a deadlock before there was one).

// Deferred decides a held call off the tracer thread.
type Deferred interface {
	// Run does the work on its own goroutine and returns the decision for
	// the held call: Allow (the call runs as the tracee issued it), Fail,
	// Return, Restart, KillProcess, KillAll, or another Hold. It must not
	// use the Stop it came from. abandon is closed when the hold is given
	// up (the thread is gone, or the trace ended): Run should then return
	// soon, releasing what it holds; its decision is dropped.
	Run(abandon <-chan struct{}) Decision
}

// hold is one held call.
type hold struct {
	abandon  chan struct{}
	once     sync.Once
	entry    Stop // the call's public fields, for onReturn
	onReturn ReturnFunc
}

func (h *hold) giveUp() { h.once.Do(func() { close(h.abandon) }) }

// hold keeps th in its seccomp stop and runs later on a goroutine.
// Precondition: on the tracer thread, th is at the seccomp stop st.
func (t *trace) hold(th *thread, st *Stop, later Deferred) {
	h := &hold{
		abandon:  make(chan struct{}),
		entry:    Stop{Tid: st.Tid, Pid: st.Pid, Nr: st.Nr, Args: st.Args, UD: st.UD},
		onReturn: st.onReturn,
	}
	th.held = h
	st.closeCopies() // the stop is over; complete reuses it
	t.workers.Add(1)
	go func() {
		d := later.Run(h.abandon)
		t.postFromWorker(func() { t.complete(th, h, d) })
	}()
}

// postFromWorker posts fn from a worker goroutine (counted in t.workers)
// and ends the worker's count when fn runs, or at once if the trace has
// ended. Until the tracer thread has taken fn, what fn completes stays
// waiting, and only the mailbox's ringer (a goroutine, which needs a P)
// may have to wake the tracer for it: the wait must leave its P.
func (t *trace) postFromWorker(fn func()) {
	if !t.mail.post(func() { t.workers.Add(-1); fn() }) {
		t.workers.Add(-1)
	}
}

// abandon gives up th's hold: the thread reported an event, so it is no
// longer in the stop the hold was for.
func (t *trace) abandon(th *thread) {
	if h := th.held; h != nil {
		th.held = nil
		h.giveUp()
	}
}

// abandonAll gives up every hold when the trace ends.
func (t *trace) abandonAll() {
	for _, th := range t.threads {
		t.abandon(th)
	}
}

// complete applies a held call's decision.
// Precondition: on the tracer thread, between events (a mailbox job).
func (t *trace) complete(th *thread, h *hold, d Decision) {
	if th.held != h || t.threads[th.tid] != th {
		return // abandoned: the thread is gone or has moved on
	}
	th.held = nil
	if t.killing {
		return // SIGKILLed with the rest of the tree
	}
	st := &t.stop
	*st = h.entry
	st.t, st.valid = t, true
	st.onReturn = h.onReturn
	defer func() { st.valid = false }()
	defer st.closeCopies()
	switch d.Verdict {
	case Hold:
		t.hold(th, st, d.Later)
		return
	case Fail, Return:
		ret := d.Value
		if d.Verdict == Fail {
			ret = -d.Value
		}
		ret, err := st.settle(ret)
		if err != nil {
			t.fail(err)
			return
		}
		st.skip(ret)
	case Restart:
		if st.loadRegs() == nil {
			st.regs.rewind(th.tid)
		}
	case KillProcess:
		unix.Kill(th.tgid, unix.SIGKILL)
		return
	case KillAll:
		t.killAll()
		return
	default:
		th.onReturn = st.onReturn
		if th.onReturn != nil {
			th.entry = h.entry
		}
	}
	t.resume(th, 0)
}

// settle runs the call's on-return function, if the handler asked for one,
// with ret as the result of a call the tracer performed itself: the
// function sees the stop as an exit stop and may replace the value. It
// returns the value the tracee is to see.
// Precondition: s is valid, at its seccomp stop.
func (s *Stop) settle(ret int64) (int64, error) {
	f := s.onReturn
	s.onReturn = nil
	if f == nil {
		return ret, nil
	}
	s.atExit, s.ret = true, ret
	v, replace, err := f(s, ret)
	s.atExit = false
	if err != nil {
		return 0, err
	}
	if replace {
		return v, nil
	}
	return ret, nil
}

// wait4 is rawWait4 while no Deferred goroutine needs a P, else the
// scheduler-aware wait4 (see the invariants above). A raw wait that lasts
// is interrupted now and then by the nudge (nudge.go), so that the Go
// runtime is never held off for long.
// Precondition: the runtime OS thread must be locked.
func (t *trace) wait4(ws *unix.WaitStatus) (int, error) {
	if t.workers.Load() == 0 {
		t.nudge.enter()
		wpid, err := rawWait4(ws, 0)
		t.nudge.leave()
		return wpid, err
	}
	return unix.Wait4(-1, ws, unix.WALL, nil)
}
