package engine

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// Serving a child: Session.Serve releases a spawned child without seizing
// it, and the child says at its exec what its filters need, over the
// control socket Spawn made:
//
//	child → parent "T"        a tracer, please (the filters have trace
//	                          rules, or there is no listener to serve);
//	parent → child "Y"        seized: go on;
//	parent → child "N"+reason ptrace is refused here (the child fails its
//	                          exec if it has trace rules, else goes on);
//	child → parent "L"+fd     the notification listener (SCM_RIGHTS), sent
//	                          by the C step right after its filter is
//	                          installed, before execve.
//
// A child whose filters are notify rules only is thus never seized: no
// ptrace at all. The control socket is close-on-exec in the child, so the
// parent sees its end once the program runs (or the child dies).

// ErrNoTracer: the child's filters have trace rules, but its supervisor
// could not ptrace it (a seccomp filter of its own refusing ptrace, Yama's
// ptrace_scope, no CAP_SYS_PTRACE over it, already traced).
var ErrNoTracer = errors.New("trace rules need ptrace, which the supervisor cannot use here")

// ExecChild is ExecWith in a helper child. needTrace says that the
// programs have trace rules; e.Listener names the program with notify
// rules, if any. A child released by Serve tells its parent what it needs
// first; any other child installs the programs without a listener (so
// notify rules fail with ENOSYS, as trace rules do without a tracer).
// Precondition: as Exec.
func ExecChild(e ExecSpec, needTrace bool) error {
	if !served || ctlFd < 0 {
		e.Listener, e.Ctl = -1, -1
		return ExecWith(e)
	}
	if needTrace || e.Listener < 0 {
		refused, err := askTracer()
		if err != nil {
			return &ExecError{Path: e.Path, Errno: syscall.EIO, Err: err}
		}
		if refused != "" && needTrace {
			return &ExecError{Path: e.Path, Errno: syscall.EPERM, Err: fmt.Errorf("%w (%s); notify rules need no tracer", ErrNoTracer, refused)}
		}
	}
	e.Ctl = -1
	if e.Listener >= 0 {
		e.Ctl = ctlFd
	}
	return ExecWith(e)
}

// askTracer asks the serving parent to seize this thread; it returns the
// parent's reason when it could not ("" when seized).
func askTracer() (string, error) {
	if err := sendAll(ctlFd, []byte{'T'}); err != nil {
		return "", fmt.Errorf("asking the supervisor for a tracer: %w", err)
	}
	buf := make([]byte, 512)
	for {
		n, err := unix.Read(ctlFd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("waiting for the supervisor's tracer: %w", err)
		}
		if n == 0 {
			return "", ErrParentGone
		}
		if buf[0] == 'Y' {
			return "", nil
		}
		return strings.TrimSpace(string(buf[1:n])), nil
	}
}

func sendAll(fd int, b []byte) error {
	for {
		_, err := unix.Write(fd, b)
		if err != unix.EINTR {
			return err
		}
	}
}

// ctlMsg is one message from a served child: kind 0 at end of stream.
type ctlMsg struct {
	kind byte
	fd   int // the listener, for 'L'; -1 otherwise
}

// recvCtl reads one message from the control socket.
func recvCtl(fd int) (ctlMsg, error) {
	buf, oob := make([]byte, 16), make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ctlMsg{}, fmt.Errorf("reading the control socket: %w", err)
		}
		m := ctlMsg{fd: -1}
		if n > 0 {
			m.kind = buf[0]
		}
		if oobn > 0 {
			msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			for _, cm := range msgs {
				fds, _ := unix.ParseUnixRights(&cm)
				for _, f := range fds {
					if m.fd < 0 && m.kind == 'L' {
						m.fd = f
					} else {
						unix.Close(f)
					}
				}
			}
		}
		if n == 0 {
			return ctlMsg{}, nil
		}
		return m, nil
	}
}

// Serve releases the spawned child pid and serves it until it has exited
// and nothing of its tree is left to serve: ptrace stops (Hooks.Seccomp)
// when its filters have trace rules or no listener, notified calls
// (Hooks.Notify) when they have notify rules, both with one loop on this
// thread when they have both. A child whose filters are notify rules only
// is never seized (see ExecChild). It returns pid's status. A
// HandlerError means a hook failed and the tree was killed.
//
// Without ptrace only pid itself is known: Hooks.Exit runs for it alone,
// and "kill_all" kills the processes /proc lists as its descendants.
func (s *Session) Serve(pid int, h Hooks) (Status, error) {
	if err := s.checkThread(); err != nil {
		return Status{}, err
	}
	c := s.children[pid]
	if c == nil {
		return Status{}, fmt.Errorf("serving pid %d: %w", pid, ErrNotChild)
	}
	if c.released {
		return Status{}, fmt.Errorf("serving pid %d: %w", pid, ErrReleased)
	}
	if c.ctl < 0 {
		return s.Trace(pid, h)
	}
	c.awaitReady()
	hideTracer()
	stop := ignoreTerminalSignals(h.Interrupt)
	defer stop()
	defer c.closeCtl()
	if err := c.releaseWith(releaseServed); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		st, _ := s.reap(pid)
		return st, err
	}
	for {
		m, err := recvCtl(c.ctl)
		if err != nil {
			unix.Kill(pid, unix.SIGKILL)
			st, _ := s.reap(pid)
			return st, err
		}
		switch m.kind {
		case 0: // the child exec'd with nothing to serve, or died
			return s.reapRoot(pid, h)
		case 'L':
			l, err := notify.NewListener(m.fd)
			if err != nil {
				unix.Close(m.fd)
				unix.Kill(pid, unix.SIGKILL)
				st, _ := s.reap(pid)
				return st, err
			}
			defer l.Shutdown()
			if h.Listener != nil {
				handed, err := h.Listener(l.Fd())
				if err != nil {
					l.Close()
					unix.Kill(pid, unix.SIGKILL)
					st, _ := s.reap(pid)
					return st, &HandlerError{Err: err}
				}
				if handed {
					l.Close() // served elsewhere now
					return s.reapRoot(pid, h)
				}
			}
			l.SetRaw() // this thread alone serves: see SetRaw
			l.SetSyncWakeUp()
			return s.serveNotify(pid, l, h)
		case 'T':
			if err := seize(pid); err != nil {
				sendAll(c.ctl, []byte("Nptrace: "+err.Error()))
				continue
			}
			delete(s.children, pid)
			return s.serveTrace(c, pid, h)
		}
	}
}

// reap waits for pid, a child of ours that is not traced.
func (s *Session) reap(pid int) (Status, error) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		delete(s.children, pid)
		if err != nil {
			return Status{}, fmt.Errorf("waitpid %d: %w", pid, err)
		}
		return Status{Pid: pid, WS: ws}, nil
	}
}

// reapRoot waits for pid, untraced, and runs the Exit hook for it.
func (s *Session) reapRoot(pid int, h Hooks) (Status, error) {
	st, err := s.reap(pid)
	if err != nil || h.Exit == nil {
		return st, err
	}
	if err := h.Exit(st); err != nil {
		return st, &HandlerError{Err: err}
	}
	return st, nil
}

// serveTrace runs the trace loop for a child seized at its request. A
// listener it sends later is served by the loop's own thread: a watch
// thread outside the Go runtime interrupts its wait4 when a notification
// is pending (notifWatch), and the loop takes it between ptrace events, so
// the hooks all run on this thread with no goroutine hand-off per call.
func (s *Session) serveTrace(c *Child, pid int, h Hooks) (Status, error) {
	t := newTrace(s, pid, h)
	defer sigchldDefault()()
	if err := sendAll(c.ctl, []byte{'Y'}); err != nil {
		t.killAll()
		t.loop()
		return t.rootStatus, fmt.Errorf("answering the child: %w", err)
	}
	ctl := c.ctl
	var (
		mu    sync.Mutex
		ended bool             // the loop is over: the reader closes what it gets
		got   *notify.Listener // received, not yet closed
	)
	received := make(chan struct{})
	// receive takes the listener the child sends, nil if none comes or
	// the loop is already over
	receive := func() *notify.Listener {
		m, err := recvCtl(ctl)
		if err != nil || m.kind != 'L' || m.fd < 0 {
			return nil
		}
		l, err := notify.NewListener(m.fd)
		if err != nil {
			unix.Close(m.fd)
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if ended {
			l.Shutdown()
			return nil
		}
		got = l
		return l
	}
	// The reader is a worker (held.go) until its job has run: while it
	// may post, or its job waits, the loop's wait4 must leave its P to
	// the scheduler.
	t.workers.Add(1)
	go func() {
		defer close(received)
		if l := receive(); l != nil {
			t.postFromWorker(func() { t.serveListener(l) })
		} else {
			t.workers.Add(-1)
		}
	}()
	err := t.loop()
	mu.Lock()
	ended = true
	l := got
	got = nil
	mu.Unlock()
	if src := t.mail.src; src != nil {
		src.watch.stop()
		t.mail.src = nil
	}
	if l != nil {
		l.Shutdown() // pending calls get ENOSYS from the kernel
	}
	unix.Shutdown(ctl, unix.SHUT_RDWR) // wakes the control reader
	<-received
	return t.rootStatus, err
}

// serveListener makes the loop serve l from now on.
// Precondition: on the tracer thread.
func (t *trace) serveListener(l *notify.Listener) {
	l.SetRaw() // received only when pending, on this thread
	l.SetSyncWakeUp()
	w := newNotifWatch(l.Fd())
	if w == nil {
		// its callers would wait for ever: end the trace
		t.fail(errors.New("serving the notification listener: cannot start its watch thread"))
		t.killAll()
		return
	}
	t.mail.src = &notifSource{t: t, l: l, watch: w}
}

// notifSource is a listener served by the trace loop (see serveTrace).
type notifSource struct {
	t     *trace
	l     *notify.Listener
	watch *notifWatch
	c     notify.Call // reused, as the loop's Stop is
}

func (n *notifSource) ready() bool { return n.watch.ready() }

// serve answers every pending notification, then rearms the watch.
func (n *notifSource) serve() {
	n.watch.taken()
	for n.l.Pending() {
		if err := n.l.Receive(&n.c); err != nil {
			if errors.Is(err, notify.ErrGone) {
				continue
			}
			break
		}
		n.t.answerCall(&n.c)
	}
	n.watch.rearm()
}

// answerCall runs the Notify hook on c and answers it; a failing hook or
// a KillAll decision kills the tree as a ptrace stop's would.
func (t *trace) answerCall(c *notify.Call) {
	if t.killing {
		c.Fail(int(unix.ENOSYS))
		c.Release()
		return
	}
	kill, err := answerNotify(c, t.hooks)
	switch {
	case err != nil:
		t.fail(err)
	case kill:
		t.killAll()
	}
	if err != nil || kill {
		unix.Kill(c.Pid(), unix.SIGKILL)
		c.Fail(int(unix.ENOSYS))
	}
}

// answerNotify runs the Notify hook on c and answers it. On a KillAll
// decision (killAll) and on a hook error, the caller kills the tree and
// then answers c (killing the caller first would let its parent run on
// before the tree is known). Otherwise c is answered whatever happens:
// nothing stays blocked. A call whose thread died meanwhile (ErrGone) is
// no error.
func answerNotify(c *notify.Call, h Hooks) (killAll bool, err error) {
	defer c.Release()
	var d Decision
	if h.Notify != nil {
		d, err = h.Notify(c)
	}
	if err != nil {
		return false, err // the caller kills the tree, then answers
	}
	var aerr error
	switch d.Verdict {
	case Allow:
		aerr = c.Continue()
	case Fail:
		aerr = c.Fail(int(d.Value))
	case Return:
		aerr = c.Return(d.Value)
	case ReplyFd:
		_, aerr = c.ReplyFd(int(d.Value), d.Cloexec)
		unix.Close(int(d.Value)) // handed over: the caller has its copy
	case KillAll:
		return true, nil
	case KillProcess:
		unix.Kill(c.Pid(), unix.SIGKILL)
		c.Fail(int(unix.ENOSYS))
		return false, nil
	default:
		c.Fail(int(unix.ENOSYS))
		return false, fmt.Errorf("decision %d is not one a notified call can take (it has no ptrace stop)", d.Verdict)
	}
	if aerr != nil && !errors.Is(aerr, notify.ErrGone) {
		c.Fail(int(unix.ENOSYS))
		return false, aerr
	}
	return false, nil
}

// ServeListener serves a notification listener received from another
// process (notify.RecvFd) until no task of its filter is left, with the
// hooks Serve uses (Notify; Exit never runs: no process is known). It
// takes ownership of fd. "kill_all" kills the caller and what /proc lists
// as its descendants.
func (s *Session) ServeListener(fd int, h Hooks) error {
	if err := s.checkThread(); err != nil {
		return err
	}
	l, err := notify.NewListener(fd)
	if err != nil {
		return err
	}
	defer l.Shutdown()
	l.SetRaw()
	l.SetSyncWakeUp()
	stop := ignoreTerminalSignals(h.Interrupt)
	defer stop()
	_, err = s.serveNotify(0, l, h)
	return err
}

// serveNotify serves the listener of pid's filters without ptrace, until
// pid has exited and no task of the filter is left. With pid 0 it serves
// until no task is left.
func (s *Session) serveNotify(pid int, l *notify.Listener, h Hooks) (Status, error) {
	pidfd := -1
	var err error
	if pid > 0 {
		pidfd, err = unix.PidfdOpen(pid, 0)
		if err != nil {
			unix.Kill(pid, unix.SIGKILL)
			st, _ := s.reap(pid)
			return st, fmt.Errorf("opening a pidfd for %d: %w", pid, err)
		}
	}
	defer func() {
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
	}()
	var (
		root     Status
		rootDone = pid <= 0
		herr     error
		killing  bool
	)
	// one Call for every notification, as the trace loop reuses its Stop:
	// a call object kept by the callback is refused after it (callRef)
	c := new(notify.Call)
	// tree kills the tree: pid's, or with no pid the caller's
	tree := func(caller int) {
		if pid > 0 {
			killTree(pid)
		} else if caller > 0 {
			killTree(caller)
		}
	}
	finish := func(st Status) {
		root, rootDone = st, true
		unix.Close(pidfd)
		pidfd = -1
		if h.Exit != nil && !killing {
			if err := h.Exit(st); err != nil && herr == nil {
				herr = &HandlerError{Err: err}
				killing = true
				tree(0)
			}
		}
	}
	// The loop blocks in the receive itself, as a minimal supervisor does
	// (no poll of the listener and the pidfd before every call): the exit
	// watch interrupts it when pid exits, and the kernel ends it once no
	// task of the filter is left. Without a watch it polls both.
	var watch *exitWatch
	if pidfd >= 0 {
		watch = newExitWatch(pidfd)
	}
	defer watch.stop()
	blocking := watch != nil || pid <= 0
	// the raw receive keeps this thread's P: the nudge (nudge.go) ends
	// one that lasts, so that a garbage collection is not held off
	nd := startNudge()
	defer nd.stop()
	for {
		var exited, received bool
		err = nil
		switch {
		case !blocking:
			if pidfd >= 0 {
				exited, err = l.WaitFd(pidfd)
			} else {
				err = l.Wait()
			}
		case watch != nil && watch.fired():
			watch.stop()
			watch, exited = nil, true
		default:
			watch.setWaiting(true)
			if watch != nil && watch.fired() {
				watch.setWaiting(false)
				continue // served by the case above
			}
			nd.enter()
			err = l.ReceiveWait(c)
			nd.leave()
			watch.setWaiting(false)
			if errors.Is(err, notify.ErrInterrupted) || errors.Is(err, notify.ErrGone) {
				continue
			}
			received = err == nil
		}
		if errors.Is(err, notify.ErrNoUsers) || errors.Is(err, notify.ErrClosed) {
			if !rootDone {
				st, err := s.reap(pid)
				if err != nil {
					return st, err
				}
				finish(st)
			}
			return root, herr
		}
		if err != nil {
			tree(0)
			if !rootDone {
				st, _ := s.reap(pid)
				root = st
			}
			return root, err
		}
		if exited {
			st, err := s.reap(pid)
			if err != nil {
				return st, err
			}
			finish(st)
			continue
		}
		if !received {
			if err := l.Receive(c); err != nil {
				if errors.Is(err, notify.ErrGone) {
					continue
				}
				tree(0)
				if !rootDone {
					root, _ = s.reap(pid)
				}
				return root, err
			}
		}
		if killing {
			unix.Kill(c.Pid(), unix.SIGKILL)
			c.Fail(int(unix.ENOSYS))
			c.Release()
			continue
		}
		kill, err := answerNotify(c, h)
		if err != nil && herr == nil {
			herr = &HandlerError{Err: err}
		}
		if err != nil || kill {
			killing = pid > 0 // with no tree known, each caller is judged alone
			tree(c.Pid())
		}
		if err != nil || kill {
			unix.Kill(c.Pid(), unix.SIGKILL)
			c.Fail(int(unix.ENOSYS))
		}
		if err != nil && pid <= 0 {
			return root, herr // the listener closes: later calls get ENOSYS
		}
	}
}

// killTree SIGKILLs pid and every descendant /proc lists, all listed
// before any is killed (a killed parent's children are adopted by another),
// a few rounds to catch children forked meanwhile. Without ptrace this is the best the
// supervisor knows of the tree: a process whose parent died was adopted
// by another and escapes it.
func killTree(pid int) {
	if pid <= 1 {
		return // never 0 (our own process group), -1 or init
	}
	for round := 0; round < 3; round++ {
		tree := descendants(pid)
		for _, p := range tree {
			unix.Kill(p, unix.SIGKILL)
		}
		if len(tree) <= 1 {
			return
		}
	}
}

// descendants lists pid and its descendants from /proc/*/stat.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{pid}
	}
	kids := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold anything, so parse after
		// its last ')'.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			kids[pp] = append(kids[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}
