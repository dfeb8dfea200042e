package engine

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Attaching to a running process: it has no filter of ours, and adding one
// would outlive the tracer (a seccomp filter cannot be removed), so every
// call stops twice with PTRACE_SYSCALL, at its entry and at its exit, as
// under strace -p. The handler still runs at the entry with a Stop whose UD
// is 0, and its decisions mean what they mean at a seccomp stop: the skip
// sets orig_rax to -1 at the entry (the kernel runs nothing) and the value
// again at the exit. Nothing outlives the tracer: the processes are seized
// without PTRACE_O_EXITKILL, and Detach (or SIGINT, SIGTERM, SIGHUP to
// the tracer) lets every thread go unstopped, with no call left skipped.

var (
	// ErrAttachHold: a handler answered Hold (Emulate) for an attached
	// process; holding needs the seccomp stop only a filter gives.
	ErrAttachHold = errors.New("deferred decisions (emulated calls) need a process started under a filter, not an attached one")
	// ErrAttachSelf: the tracer cannot trace itself or its own threads.
	ErrAttachSelf = errors.New("cannot attach to the tracer itself")
	// ErrAttachChild: a child spawned by this Session is held until it is
	// released, and its exit status is the Session's: it is traced with
	// Trace (under its filter) or TraceUnfiltered (without one).
	ErrAttachChild = errors.New("a child spawned by this session is traced with Trace or TraceUnfiltered, not attached to")
)

// AttachOptions say what Attach follows.
type AttachOptions struct {
	// Follow traces the children and new threads the processes create
	// after the attach (strace -f); without it only the threads present at
	// the attach are traced.
	Follow bool
	// Ready, if set, runs once every thread is seized, before any call is
	// handled (a front end prints "Process N attached" there).
	Ready func(tids map[int][]int)
	// DetachOnExec lets each process go at its exec event, once its
	// execve has succeeded and before the new program runs (strace -b
	// execve): the program runs untraced.
	DetachOnExec bool
	// Detached, if set, runs for each process let go by DetachOnExec, with
	// its pid; no exit is reported for it afterwards.
	Detached func(pid int)
}

// UnfilteredOptions say how TraceUnfiltered traces.
type UnfilteredOptions struct {
	// Follow traces the children and threads the tracees create.
	Follow bool
	// DetachOnExec and Detached as for Attach, except that the root's
	// first exec (the command's own) is traced through: the root is let
	// go at its next one.
	DetachOnExec bool
	Detached     func(pid int)
}

// attachOptions: no TRACESECCOMP (there is no filter) and no EXITKILL (the
// processes are not ours to kill when the tracer dies).
func attachOptions(follow bool) uintptr {
	o := uintptr(unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC)
	if follow {
		o |= unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE
	}
	return o
}

// Attach seizes every thread of the running processes pids and traces them
// until they have all exited or the tracer was asked to detach (Detach from
// a hook, or SIGINT, SIGTERM or SIGHUP to this process). Statuses of the
// processes that exited while traced reach Hooks.Exit. An error from a hook
// detaches from everything (the processes run on) and Attach returns it as a
// *HandlerError.
// Precondition: the runtime OS thread must be locked (the Session's thread).
func (s *Session) Attach(pids []int, o AttachOptions, h Hooks) error {
	if err := s.checkThread(); err != nil {
		return err
	}
	if len(pids) == 0 {
		return fmt.Errorf("attach: no process given")
	}
	t := newTrace(s, 0, h)
	delete(t.threads, 0)
	t.syscalls, t.attached, t.rootDone = true, true, true
	t.detachOnExec, t.detached = o.DetachOnExec, o.Detached
	hideTracer()
	seized := map[int][]int{}
	for _, pid := range pids {
		tids, err := t.seizeProcess(pid, attachOptions(o.Follow))
		if err != nil {
			t.detachAll()
			t.loop()
			return fmt.Errorf("attach %d: %w", pid, err)
		}
		seized[pid] = tids
	}
	if o.Ready != nil {
		o.Ready(seized)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sigs:
			t.mail.post(t.detachAll)
		case <-done:
		}
	}()
	defer sigchldDefault()()
	return t.loop()
}

// TraceUnfiltered is Trace for a child spawned without a filter (SpawnExec
// or Spawn with no programs): the child is seized, interrupted and
// released, and every call of it stops at its entry and its exit, as under
// Attach (the handler sees UD 0, Hold is refused). Unlike an attached
// process the child is this Session's: it dies with the tracer, a failing
// hook kills the traced tree, and the root's status is returned, also when
// DetachOnExec let it go (it is still this process's child).
// Precondition: the runtime OS thread must be locked (the Session's thread).
func (s *Session) TraceUnfiltered(pid int, o UnfilteredOptions, h Hooks) (Status, error) {
	opts := uintptr(unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL)
	if o.Follow {
		opts |= unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE
	}
	return s.traceChild(pid, opts, h, func(t *trace) {
		t.syscalls = true
		t.detachOnExec, t.skipRootExec, t.detached = o.DetachOnExec, true, o.Detached
		// The first stop, from which PTRACE_SYSCALL starts the stepping.
		ptrace(unix.PTRACE_INTERRUPT, pid, 0, 0)
	})
}

// ProcessOptions say how TraceProcess traces.
type ProcessOptions struct {
	// Unfiltered: pid execs without a filter, and every call stops at its
	// entry and exit as under TraceUnfiltered.
	Unfiltered bool
	// DetachOnExec and Detached as for TraceUnfiltered (pid's first exec
	// is traced through). pid's status is not known once it was let go.
	DetachOnExec bool
	Detached     func(pid int)
}

// TraceProcess traces pid, a process that is not this Session's child
// and has not exec'd its command yet, as Trace traces a spawned child
// (strace -D: the tracer is the command's grandchild, and the command keeps
// the tracer's pid). pid is seized with Trace's options (its filter's
// calls stop; it dies with the tracer), ready runs once it is seized (pid
// then installs its filter and execs), and the trace goes on until pid and
// every traced descendant are gone; pid's status is returned. Children and
// threads are followed from pid's first exec on: before it, pid is a
// launcher whose own threads end at that exec.
// Precondition: the runtime OS thread must be locked (the Session's thread).
func (s *Session) TraceProcess(pid int, o ProcessOptions, ready func() error, h Hooks) (Status, error) {
	if err := s.checkThread(); err != nil {
		return Status{}, err
	}
	if pid == unix.Getpid() {
		return Status{}, ErrAttachSelf
	}
	if s.children[pid] != nil {
		return Status{}, fmt.Errorf("tracing pid %d: %w", pid, ErrAttachChild)
	}
	const follow = unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE
	full := uintptr(seizeOptions)
	if o.Unfiltered {
		full = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL | follow
	}
	if err := ptrace(unix.PTRACE_SEIZE, pid, 0, full&^follow); err != nil {
		return Status{}, fmt.Errorf("seizing pid %d: %w", pid, err)
	}
	hideTracer()
	t := newTrace(s, pid, h)
	t.followFromExec, t.execOptions = true, full
	if o.Unfiltered {
		t.syscalls = true
		t.detachOnExec, t.skipRootExec, t.detached = o.DetachOnExec, true, o.Detached
		ptrace(unix.PTRACE_INTERRUPT, pid, 0, 0)
	}
	stop := ignoreTerminalSignals(h.Interrupt)
	defer stop()
	defer sigchldDefault()()
	if ready != nil {
		if err := ready(); err != nil {
			t.killAll()
			t.loop()
			return t.rootStatus, err
		}
	}
	err := t.loop()
	return t.rootStatus, err
}

// AllowTracer lets process tracer ptrace this one where Yama's
// ptrace_scope 1 would refuse a tracer that is not an ancestor
// (PR_SET_PTRACER); without Yama there is nothing to allow.
func AllowTracer(tracer int) error {
	if err := unix.Prctl(unix.PR_SET_PTRACER, uintptr(tracer), 0, 0, 0); err != nil && err != unix.EINVAL {
		return fmt.Errorf("allowing tracer %d: %w", tracer, err)
	}
	return nil
}

// detachExec lets th go at its exec event: its execve has succeeded and
// the new program has not run yet; every other thread of the process is
// gone (the kernel ended them before the event).
func (t *trace) detachExec(th *thread) {
	ptrace(unix.PTRACE_DETACH, th.tid, 0, 0)
	delete(t.threads, th.tid)
	t.dropPidfd(th.tid)
	if th.tgid == t.root && t.root != 0 {
		// A child of this process still reports its exit here; another
		// process (TraceProcess) does so to its parent only.
		t.rootDetached = true
		if t.execOptions != 0 {
			t.rootDone = true
		}
	}
	if t.detached != nil {
		t.detached(th.tid)
	}
}

// Detach asks the trace that is running the hook calling it to let every
// attached process go (see Attach). Only for a Stop of an attached trace.
func (s *Stop) Detach() {
	if s.t != nil && s.t.attached {
		s.t.detaching = true
	}
}

// seizeProcess seizes every thread of pid and interrupts it, so its first
// stop starts the syscall tracing. Threads created meanwhile are found by
// reading the task list again until it no longer grows.
func (t *trace) seizeProcess(pid int, opts uintptr) ([]int, error) {
	if pid == unix.Getpid() {
		return nil, ErrAttachSelf
	}
	if t.s.children[pid] != nil {
		return nil, ErrAttachChild
	}
	var seized []int
	for round := 0; round < 16; round++ {
		tids, err := taskList(pid)
		if err != nil {
			if len(seized) > 0 {
				break // exiting meanwhile: its exit is reported
			}
			return nil, err
		}
		grew := false
		for _, tid := range tids {
			if t.threads[tid] != nil {
				continue
			}
			if err := ptrace(unix.PTRACE_SEIZE, tid, 0, opts); err != nil {
				if err == unix.ESRCH && len(seized) > 0 {
					continue // a thread that has just exited
				}
				return nil, err
			}
			ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0)
			t.threads[tid] = &thread{tid: tid, tgid: pid}
			seized = append(seized, tid)
			grew = true
		}
		if !grew {
			break
		}
	}
	return seized, nil
}

func taskList(pid int) ([]int, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, unix.ESRCH
		}
		return nil, err
	}
	var tids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, n)
		}
	}
	sort.Ints(tids)
	return tids, nil
}

// detachAll starts letting every attached thread go: each is interrupted,
// and detached at its next stop (handle). Threads are never detached while
// running: PTRACE_DETACH needs a stopped tracee.
func (t *trace) detachAll() {
	t.detaching = true
	for tid := range t.threads {
		if err := ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0); err == unix.ESRCH {
			delete(t.threads, tid) // gone, or not ours any more
		}
	}
}

// detachStop lets th go from the stop ws reports, once detaching has
// begun: a signal it was about to receive is passed on, a skipped call's
// value is stored at its exit, and a thread in a job-control stop stays
// stopped, as it would be without a tracer.
func (t *trace) detachStop(th *thread, ws unix.WaitStatus) {
	sig := 0
	event := int(ws>>16) & 0xff
	switch {
	case ws.StopSignal() == unix.SIGTRAP|0x80:
		var si syscallInfo
		if th.inject != nil && getSyscallInfo(th.tid, &si) == nil && si.Op == unix.PTRACE_SYSCALL_INFO_EXIT {
			th.storeInjected()
		}
	case event == 0 && ws.StopSignal() != unix.SIGTRAP:
		sig = int(ws.StopSignal()) // signal-delivery-stop
	}
	ptrace(unix.PTRACE_DETACH, th.tid, 0, uintptr(sig))
	delete(t.threads, th.tid)
}

// syscallStop is a PTRACE_SYSCALL stop of an attached thread: the entry
// runs the handler as a seccomp stop would, the exit applies an injected
// return value and runs an OnReturn.
func (t *trace) syscallStop(th *thread) {
	var si syscallInfo
	if err := getSyscallInfo(th.tid, &si); err != nil {
		t.resume(th, 0)
		return
	}
	switch si.Op {
	case unix.PTRACE_SYSCALL_INFO_ENTRY:
		th.inject = nil
		t.entryStop(th, &si)
	case unix.PTRACE_SYSCALL_INFO_EXIT:
		th.storeInjected()
		t.exitStop(th)
	default:
		t.resume(th, 0)
	}
}

func (t *trace) entryStop(th *thread, si *syscallInfo) {
	st := &t.stop
	*st = Stop{Tid: th.tid, Pid: th.tgid, t: t, valid: true, Nr: int(si.Nr), Args: si.Args, IP: si.IP, SP: si.SP}
	defer st.closeCopies()
	d := Decision{}
	var err error
	if t.hooks.Seccomp != nil {
		d, err = t.hooks.Seccomp(st)
	}
	if err == nil && (d.Verdict == Hold || d.Verdict == Restart) {
		err = ErrAttachHold
	}
	if err != nil {
		st.valid = false
		t.fail(err)
		if t.threads[th.tid] != nil {
			t.resume(th, 0) // detached at its next stop
		}
		return
	}
	switch d.Verdict {
	case Fail, Return:
		v := d.Value
		if d.Verdict == Fail {
			v = -d.Value
		}
		if st.skip(v) == nil {
			th.inject = &v
		}
	case KillProcess:
		st.valid = false
		unix.Kill(th.tgid, unix.SIGKILL)
		return
	case KillAll:
		st.valid = false
		t.killAll()
		return
	default:
		if st.dirty {
			st.regs.store(th.tid)
		}
	}
	th.onReturn = st.onReturn
	if th.onReturn != nil {
		th.entry = Stop{Tid: st.Tid, Pid: st.Pid, Nr: st.Nr, Args: st.Args}
	}
	st.valid = false
	if t.detaching {
		t.detachAll()
	}
	t.resume(th, 0)
}

// storeInjected puts the return value of a call skipped at its entry into
// the thread's registers at its exit stop, where the kernel may have
// replaced it.
func (th *thread) storeInjected() {
	if th.inject == nil {
		return
	}
	var g regs
	if g.load(th.tid) == nil {
		g.setRet(*th.inject)
		g.store(th.tid)
	}
	th.inject = nil
}
