package engine

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Session owns the children this process spawned, the statuses wait4 has
// collected for them, and the tracing of them. See the package comment for
// its threading rule.
type Session struct {
	tid      int
	children map[int]*Child // spawned, not yet waited for or traced
	reaped   []Status       // collected by a wait4(-1) while tracing
}

// NewSession binds a Session to the calling thread.
// Precondition: the runtime OS thread must be locked.
func NewSession() *Session {
	return &Session{tid: unix.Gettid(), children: map[int]*Child{}}
}

func (s *Session) checkThread() error {
	if unix.Gettid() != s.tid {
		return ErrWrongThread
	}
	return nil
}

// Spawn starts a helper child of this binary in the given mode; it waits to
// be released by Trace, Wait or Kill.
func (s *Session) Spawn(mode string, payload []byte, args ...string) (*Child, error) {
	if err := s.checkThread(); err != nil {
		return nil, err
	}
	c, err := spawn(mode, payload, args)
	if err != nil {
		return nil, err
	}
	s.children[c.Pid] = c
	return c, nil
}

// Pending reports whether pid is a spawned child that was never released.
func (s *Session) Pending(pid int) bool {
	c := s.children[pid]
	return c != nil && !c.released
}

// releaseUntraced lets pending children matching pid (as wait4 and kill
// interpret it: >0 one pid, anything else all of them) run without a tracer.
func (s *Session) releaseUntraced(pid int) {
	for p, c := range s.children {
		if pid <= 0 || p == pid {
			c.Release()
		}
	}
}

// Wait is wait4 that first hands out statuses collected while tracing and
// releases a never-released child it is asked to wait for. found is false
// for WNOHANG when nothing has changed.
func (s *Session) Wait(pid, options int) (st Status, found bool, err error) {
	if err := s.checkThread(); err != nil {
		return Status{}, false, err
	}
	for i, r := range s.reaped {
		if pid <= 0 || r.Pid == pid {
			s.reaped = append(s.reaped[:i], s.reaped[i+1:]...)
			return r, true, nil
		}
	}
	s.releaseUntraced(pid)
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(pid, &ws, options, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Status{}, false, fmt.Errorf("waitpid %d: %w", pid, err)
		}
		if wpid == 0 {
			return Status{}, false, nil
		}
		if ws.Exited() || ws.Signaled() {
			delete(s.children, wpid)
		}
		return Status{Pid: wpid, WS: ws}, true, nil
	}
}

// Kill sends sig to pid (kill(2) semantics for pid), then releases a
// never-released child it targets so the signal is acted on.
func (s *Session) Kill(pid int, sig syscall.Signal) error {
	if err := s.checkThread(); err != nil {
		return err
	}
	if err := unix.Kill(pid, sig); err != nil {
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	if pid > 0 {
		s.releaseUntraced(pid)
	}
	return nil
}

// Close kills and reaps every child that was never released, so a script
// that forks and never traces or waits leaves nothing behind.
func (s *Session) Close() {
	for pid, c := range s.children {
		if !c.released {
			unix.Kill(pid, unix.SIGKILL)
			c.Release()
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
			c.freeSpawn()
			delete(s.children, pid)
		}
	}
}

func (s *Session) keep(st Status) { s.reaped = append(s.reaped, st) }

// Trace seizes the spawned child pid, releases it, and runs the trace loop
// until pid has exited and every traced descendant is gone. It returns pid's
// status. A HandlerError means the handler failed and the traced tree was
// killed.
func (s *Session) Trace(pid int, h Hooks) (Status, error) {
	return s.traceChild(pid, seizeOptions, h, nil)
}

// traceChild is Trace with the seize options given and setup, if set, run
// on the new trace once the child is seized, before it is released.
func (s *Session) traceChild(pid int, opts uintptr, h Hooks, setup func(*trace)) (Status, error) {
	if err := s.checkThread(); err != nil {
		return Status{}, err
	}
	c := s.children[pid]
	if c == nil {
		return Status{}, fmt.Errorf("tracing pid %d: %w", pid, ErrNotChild)
	}
	if c.released {
		return Status{}, fmt.Errorf("tracing pid %d: %w", pid, ErrReleased)
	}
	c.awaitReady()
	// Seized before hideTracer: a SpawnExec child shares this process's
	// memory until its execve, and with it the dumpable flag that an
	// unprivileged seize needs.
	if err := ptrace(unix.PTRACE_SEIZE, pid, 0, opts); err != nil {
		return Status{}, fmt.Errorf("seizing pid %d: %w", pid, err)
	}
	hideTracer()
	delete(s.children, pid)
	t := newTrace(s, pid, h)
	if setup != nil {
		setup(t)
	}
	stop := ignoreTerminalSignals(h.Interrupt)
	defer stop()
	defer sigchldDefault()()
	if err := c.Release(); err != nil {
		t.killAll()
		t.loop()
		return t.rootStatus, err
	}
	err := t.loop()
	return t.rootStatus, err
}

// hideTracer makes this process non-dumpable before it traces anything: a
// tracee of the same uid can then neither ptrace it nor open its
// /proc/PID/mem (or use process_vm_writev, pidfd_getfd) to take over the
// decisions. Root tracees keep CAP_SYS_PTRACE, which overrides this; a
// Landlock domain takes that away (see scripts/sctrace/policy.lua). The
// attribute is the process's and stays: the fork helpers it starts are
// dumpable again after their execve, as is every traced program.
func hideTracer() { unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }
