package engine

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// thread is one traced task.
type thread struct {
	tid, tgid int
	// onReturn is set while the thread runs a call whose exit the handler
	// asked to see; every resume then uses PTRACE_SYSCALL until that stop.
	// entry keeps that call's number, arguments and user data.
	onReturn ReturnFunc
	entry    Stop
	// held is set while the thread waits in its seccomp stop for a
	// Deferred decision (held.go).
	held *hold
	// inject is the return value of a call skipped at its entry by an
	// attached trace, stored again at the exit (attach.go).
	inject *int64
}

// trace is one run of the trace loop.
type trace struct {
	s          *Session
	root       int
	hooks      Hooks
	threads    map[int]*thread
	rootDone   bool
	rootStatus Status
	killing    bool
	err        error
	// gone holds tracees whose exit came before their creation event, so
	// the late event does not adopt a dead pid.
	gone map[int]bool
	// drained: wait4 reported ECHILD.
	drained bool
	stop    Stop // reused for every seccomp stop: no allocation per event
	// mail brings work from other goroutines (deferred decisions, other
	// stop sources) onto this thread between events.
	mail *mailbox
	// workers counts live Deferred goroutines (held.go).
	workers atomic.Int32
	// poll is the adaptive poll before each wait (poll.go).
	poll poller
	// nudge interrupts a long raw wait4 (nudge.go) while loop runs.
	nudge *nudge
	// pidfds: a pidfd per thread that had an fd copied (pidfd.go).
	pidfds map[int]int
	// syscalls: the tracees have no filter of ours and stop at every
	// call's entry and exit (attach.go); attached: they are running
	// processes seized by Attach, not ours to kill; detaching: letting them
	// go, each at its next stop.
	syscalls, attached, detaching bool
	// detachOnExec: each process is let go at its exec event, except the
	// root's first when skipRootExec (the command's own exec); detached
	// reports each. rootDetached: the root was let go; a child of this
	// process still reports its exit status here (TraceUnfiltered), another
	// (TraceProcess) only to its parent, so the root is then done.
	detachOnExec, skipRootExec, rootDetached bool
	detached                                 func(tid int)
	// followFromExec: the root was seized without following its children
	// (TraceProcess); its first exec event turns that on, with
	// execOptions (non-zero only for TraceProcess).
	followFromExec bool
	execOptions    uintptr
}

func newTrace(s *Session, root int, h Hooks) *trace {
	t := &trace{s: s, root: root, hooks: h, threads: map[int]*thread{}, gone: map[int]bool{}, mail: newMailbox(), poll: poller{max: pollMax()}}
	t.threads[root] = &thread{tid: root, tgid: root}
	return t
}

// loop waits for and handles every stop until the root has exited and no
// tracee remains.
// Precondition: the runtime OS thread must be locked (the Session's thread).
func (t *trace) loop() error {
	t.nudge = startNudge()
	defer func() { t.nudge.stop(); t.nudge = nil }()
	defer t.mail.close()
	defer t.abandonAll()
	defer t.closePidfds()
	for t.more() {
		t.mail.run()
		var ws unix.WaitStatus
		t.mail.setWaiting(true)
		if t.mail.busy() {
			t.mail.setWaiting(false)
			continue // posted while the last jobs ran
		}
		wpid, err := t.waitEvent(&ws)
		t.mail.setWaiting(false)
		if err == unix.EINTR {
			continue // a signal, or the mailbox ringing
		}
		if err == unix.ECHILD {
			t.drained = true
			break // nothing left to wait for: every tracee is gone
		}
		if err != nil {
			t.fail(err)
			break
		}
		t.handle(wpid, ws)
	}
	return t.err
}

// more reports whether the loop must go on waiting. Known tracees are not
// the whole story: a child whose parent was killed before its fork event
// was reported is traced (auto-attached) but unknown until its first stop.
// When the session has no other children, wait4 itself knows: it fails
// with ECHILD only once no tracee is left. With other children (untraced,
// or waiting to be released) wait4 would block on them, so the known
// tracees have to do.
func (t *trace) more() bool {
	if !t.rootDone || len(t.threads) > 0 {
		return true
	}
	return len(t.s.children) == 0 && !t.drained
}

func (t *trace) handle(wpid int, ws unix.WaitStatus) {
	th := t.threads[wpid]
	if th != nil && th.held != nil {
		t.abandon(th) // an event for it: it has left the held stop
	}
	if ws.Exited() || ws.Signaled() {
		st := Status{Pid: wpid, WS: ws}
		if th == nil && wpid == t.root && t.rootDetached {
			t.rootDone, t.rootStatus = true, st
			return
		}
		if th == nil {
			if t.s.children[wpid] != nil {
				// A child of ours that is not traced: keep its status
				// for Process.waitpid.
				t.s.keep(st)
				return
			}
			// A tracee that died (killed from outside) before its
			// creation was reported.
			t.gone[wpid] = true
			th = &thread{tid: wpid, tgid: wpid}
		}
		delete(t.threads, wpid)
		t.dropPidfd(wpid)
		if wpid == t.root {
			t.rootDone, t.rootStatus = true, st
		}
		if t.hooks.ThreadExit != nil && !t.killing {
			t.hooks.ThreadExit(wpid, st)
		}
		if th.tid == th.tgid && t.hooks.Exit != nil && !t.killing {
			if err := t.hooks.Exit(st); err != nil {
				t.fail(err)
			}
		}
		return
	}
	if !ws.Stopped() {
		return
	}
	if th == nil {
		// A new task whose creation event has not been handled yet: it is
		// auto-attached, so its first stop can come first.
		delete(t.gone, wpid) // stopped, so alive: a reused pid
		th = t.adopt(wpid, 0)
	}
	if t.killing {
		unix.Tgkill(th.tgid, th.tid, unix.SIGKILL)
		cont(wpid, 0)
		return
	}
	if t.detaching {
		t.detachStop(th, ws)
		return
	}
	sig := ws.StopSignal()
	event := int(ws>>16) & 0xff
	switch {
	case event == unix.PTRACE_EVENT_SECCOMP:
		t.seccompStop(th)
	case event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK || event == unix.PTRACE_EVENT_CLONE:
		if msg, err := eventMsg(wpid); err == nil {
			tgid := int(msg)
			if event == unix.PTRACE_EVENT_CLONE {
				tgid = 0 // a thread or a process: /proc knows
			}
			if t.adopt(int(msg), tgid) != nil && t.hooks.NewThread != nil {
				t.hooks.NewThread(int(msg))
			}
		}
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_EXEC:
		// A non-leader thread that execs takes over the leader's pid; the
		// old tid vanishes without an exit report.
		if msg, err := eventMsg(wpid); err == nil && int(msg) != wpid {
			if old := t.threads[int(msg)]; old != nil && old.onReturn != nil {
				th.onReturn, th.entry = old.onReturn, old.entry
				th.entry.Tid = wpid
			}
			delete(t.threads, int(msg))
		}
		if t.followFromExec && th.tgid == t.root {
			t.followFromExec = false
			ptrace(unix.PTRACE_SETOPTIONS, wpid, 0, t.execOptions)
		}
		if t.detachOnExec {
			if th.tgid == t.root && t.skipRootExec {
				t.skipRootExec = false
			} else {
				t.detachExec(th)
				return
			}
		}
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_STOP:
		if isGroupStopSignal(sig) {
			// Job control: stay stopped, but let SIGCONT and further
			// signals be reported.
			listen(wpid)
			return
		}
		t.resume(th, 0) // initial stop of a new task, or after LISTEN
	case sig == unix.SIGTRAP|0x80 && t.syscalls:
		t.syscallStop(th)
	case sig == unix.SIGTRAP|0x80:
		t.exitStop(th)
	default:
		if t.hooks.Signal != nil && !t.killing {
			var info [128]byte
			var b []byte
			if ptrace(unix.PTRACE_GETSIGINFO, wpid, 0, uintptr(unsafe.Pointer(&info[0]))) == nil {
				b = info[:]
			}
			t.hooks.Signal(th.tid, th.tgid, syscall.Signal(sig), b)
		}
		t.resume(th, int(sig)) // signal-delivery-stop: re-inject
	}
}

func isGroupStopSignal(sig unix.Signal) bool {
	return sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

// adopt records a new task; tgid 0 means look it up. A task already gone
// is not recorded (nil).
func (t *trace) adopt(tid, tgid int) *thread {
	if t.gone[tid] {
		delete(t.gone, tid)
		return nil
	}
	if tgid == 0 {
		tgid = procTgid(tid)
	}
	if th := t.threads[tid]; th != nil {
		th.tgid = tgid
		return th
	}
	th := &thread{tid: tid, tgid: tgid}
	t.threads[tid] = th
	return th
}

// resume continues a stopped task; ESRCH (it was killed meanwhile) is
// normal and ignored.
func (t *trace) resume(th *thread, sig int) {
	if th.onReturn != nil || t.syscalls {
		ptrace(unix.PTRACE_SYSCALL, th.tid, 0, uintptr(sig))
		return
	}
	cont(th.tid, sig)
}

func (t *trace) seccompStop(th *thread) {
	st := &t.stop
	*st = Stop{Tid: th.tid, Pid: th.tgid, t: t, valid: true}
	defer st.closeCopies()
	var si syscallInfo
	if err := getSyscallInfo(th.tid, &si); err != nil || si.Op != unix.PTRACE_SYSCALL_INFO_SECCOMP {
		t.resume(th, 0) // vanished, or not a seccomp stop after all
		return
	}
	st.Nr, st.Args, st.UD, st.IP, st.SP = int(si.Nr), si.Args, si.Data, si.IP, si.SP
	d := Decision{}
	var err error
	if t.hooks.Seccomp != nil {
		d, err = t.hooks.Seccomp(st)
	}
	if err != nil {
		st.valid = false
		t.fail(err)
		return
	}
	// ESRCH from skip or store means the tracee was killed meanwhile; its
	// exit is reported by wait4 like any other.
	switch d.Verdict {
	case Fail:
		st.skip(-d.Value)
	case Return:
		st.skip(d.Value)
	case KillProcess:
		st.valid = false
		unix.Kill(th.tgid, unix.SIGKILL)
		return
	case KillAll:
		st.valid = false
		t.killAll()
		return
	case Hold:
		t.hold(th, st, d.Later)
		st.valid = false
		return
	case Restart:
		if st.loadRegs() == nil {
			st.regs.rewind(th.tid)
		}
	default:
		if st.dirty {
			st.regs.store(th.tid)
		}
		th.onReturn = st.onReturn
		if th.onReturn != nil {
			th.entry = Stop{Tid: st.Tid, Pid: st.Pid, Nr: st.Nr, Args: st.Args, UD: st.UD}
		}
	}
	st.valid = false
	t.resume(th, 0)
}

func (t *trace) exitStop(th *thread) {
	f := th.onReturn
	th.onReturn = nil
	if f == nil {
		t.resume(th, 0)
		return
	}
	st := &t.stop
	*st = th.entry
	st.t, st.valid, st.atExit = t, true, true
	defer st.closeCopies()
	// The return value comes from PTRACE_GET_SYSCALL_INFO (a raw request,
	// no Go syscall bookkeeping, a fraction of the register file); the
	// registers are read only when the handler needs them or replaces it.
	var si syscallInfo
	if getSyscallInfo(th.tid, &si) == nil && si.Op == unix.PTRACE_SYSCALL_INFO_EXIT {
		st.ret = int64(si.Nr)
	} else if err := st.loadRegs(); err != nil {
		t.resume(th, 0) // vanished
		return
	} else {
		st.ret = st.regs.ret()
	}
	v, replace, err := f(st, st.ret)
	st.valid = false
	if err != nil {
		t.fail(err)
		return
	}
	if replace && (st.regsLoaded || st.regs.load(th.tid) == nil) {
		st.regs.setRet(v)
		st.regs.store(th.tid)
	}
	t.resume(th, 0)
}

// fail records the first error and kills the traced tree: a failing handler
// must never leave a tracee stopped or running on unchecked.
func (t *trace) fail(err error) {
	if t.err == nil {
		t.err = &HandlerError{Err: err}
	}
	if t.attached {
		t.detachAll() // not ours to kill: they run on untraced
		return
	}
	t.killAll()
}

// killAll SIGKILLs every known tracee; tasks that appear later (children
// whose creation had not been reported) are killed at their first stop.
func (t *trace) killAll() {
	t.killing = true
	for _, th := range t.threads {
		unix.Kill(th.tgid, unix.SIGKILL)
	}
}

// procTgid reads the thread group of tid from /proc; 0 → tid itself.
func procTgid(tid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return tid
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return tid
}

// rawWait4 is wait4(-1, ws, __WALL|options) without the Go runtime's syscall
// bookkeeping. Through unix.Wait4 the blocked thread hands its P to another
// thread and takes one back on return, which wakes a second CPU on every
// stop and made the scheduler place tracer and tracee apart: 13.7 µs a stop
// against 10.0 µs raw (BenchmarkSeccompStop, cpu=any). The cost: a garbage
// collection that starts while the tracer waits also waits, and every
// goroutine with it (the tracer thread reaches no safe point), until the
// next ptrace event or until the nudge (nudge.go) interrupts a wait that
// has lasted 20 ms.
// Precondition: the runtime OS thread must be locked.
func rawWait4(ws *unix.WaitStatus, options int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(ws)), uintptr(unix.WALL|options), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
