package engine

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// The tracer's own copies of a tracee's file descriptors: pidfd_getfd
// duplicates the tracee's fd into this process (the same open file, as a
// dup would). A decision made on the copy holds for the copy: another
// thread of the tracee may close or replace its fd N meanwhile, but not
// the file the tracer holds. Taking a copy needs PTRACE_MODE_ATTACH over
// the tracee: the same uid and a dumpable tracee, or CAP_SYS_PTRACE.

// openPidfd opens a pidfd for thread tid (thread group tgid). It names
// the thread (PIDFD_THREAD, Linux 6.9), so a thread with an fd table of its
// own (clone without CLONE_FILES) is read right; older kernels fall back
// to the thread group's table.
func openPidfd(tgid, tid int) (int, error) {
	pfd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err == unix.EINVAL {
		pfd, err = unix.PidfdOpen(tgid, 0)
	}
	return pfd, err
}

// pidfd returns the trace's pidfd for a thread, opened once and closed
// when the thread's exit is reported (dropPidfd) or the trace ends.
// Precondition: on the tracer thread.
func (t *trace) pidfd(tgid, tid int) (int, error) {
	if pfd, ok := t.pidfds[tid]; ok {
		return pfd, nil
	}
	pfd, err := openPidfd(tgid, tid)
	if err != nil {
		return -1, err
	}
	if t.pidfds == nil {
		t.pidfds = map[int]int{}
	}
	t.pidfds[tid] = pfd
	return pfd, nil
}

func (t *trace) dropPidfd(tid int) {
	if pfd, ok := t.pidfds[tid]; ok {
		unix.Close(pfd)
		delete(t.pidfds, tid)
	}
}

func (t *trace) closePidfds() {
	for tid := range t.pidfds {
		t.dropPidfd(tid)
	}
}

// takeFd duplicates fd of thread tid into this process, close-on-exec.
// Precondition: on the tracer thread.
func (t *trace) takeFd(tgid, tid, fd int) (int, error) {
	if fd < 0 {
		return -1, unix.EBADF
	}
	for retry := true; ; {
		pfd, err := t.pidfd(tgid, tid)
		if err != nil {
			return -1, err
		}
		c, err := unix.PidfdGetfd(pfd, fd, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ESRCH && retry:
			// a pidfd of a task that is gone (its tid now names another,
			// after an exec from a thread): open it again
			t.dropPidfd(tid)
			retry = false
			continue
		}
		return c, err
	}
}

type fdCopy struct {
	tfd, fd int
	info    *SocketInfo // socketInfo of the copy, once asked
	full    bool        // info includes Protocol and Local
}

// copyFd returns the tracer's copy of the calling thread's fd; copies are
// cached for the stop and closed when it ends.
func (s *Stop) copyFd(fd int) (int, error) {
	if !s.valid {
		return -1, ErrCallStale
	}
	for _, c := range s.copies {
		if c.tfd == fd {
			return c.fd, nil
		}
	}
	c, err := s.t.takeFd(s.Pid, s.Tid, fd)
	if err != nil {
		return -1, fmt.Errorf("taking fd %d of %d: %w", fd, s.Tid, err)
	}
	s.copies = append(s.copies, fdCopy{tfd: fd, fd: c})
	return c, nil
}

// keepCopy hands the stop's copy of fd over to the caller, who must close
// it; it is not closed with the stop.
func (s *Stop) keepCopy(fd int) (int, error) {
	c, err := s.copyFd(fd)
	if err != nil {
		return -1, err
	}
	for i, k := range s.copies {
		if k.tfd == fd {
			s.copies = append(s.copies[:i], s.copies[i+1:]...)
			break
		}
	}
	return c, nil
}

// closeCopies closes the copies the stop still owns.
func (s *Stop) closeCopies() {
	for _, c := range s.copies {
		unix.Close(c.fd)
	}
	s.copies = s.copies[:0]
}

// SocketInfo is what the tracer's copy of a socket says about it.
type SocketInfo struct {
	Domain   int  // AF_INET, AF_INET6, AF_UNIX, … (SO_DOMAIN)
	Type     int  // SOCK_STREAM, SOCK_DGRAM, … (SO_TYPE)
	Protocol int  // SO_PROTOCOL
	NonBlock bool // O_NONBLOCK on the open file
	// Local is the address an IP socket is bound to (getsockname); not
	// valid (Local.IsValid() false) for another family or an unbound one.
	Local netip.AddrPort
}

// Socket describes the socket the calling thread has at fd, read from the
// tracer's own copy: unlike /proc or the tracee's memory, the answer
// cannot change before an emulated call uses the same copy. A descriptor
// that is not open fails with EBADF, one that is not a socket with
// ENOTSOCK (wrapped), as the socket call itself would.
func (s *Stop) Socket(fd int) (SocketInfo, error) { return s.socket(fd, true) }

// SocketKind is Socket without Protocol and Local: the domain, type and
// O_NONBLOCK, in three syscalls (the rest costs two more).
func (s *Stop) SocketKind(fd int) (SocketInfo, error) { return s.socket(fd, false) }

// socket is Socket, cached for the stop; without full, Protocol and Local
// are left out (two syscalls fewer for an emulated call).
func (s *Stop) socket(fd int, full bool) (SocketInfo, error) {
	c, err := s.copyFd(fd)
	if err != nil {
		return SocketInfo{}, err
	}
	var k *fdCopy
	for i := range s.copies {
		if s.copies[i].tfd == fd {
			k = &s.copies[i]
		}
	}
	if k.info != nil && (k.full || !full) {
		return *k.info, nil
	}
	si, err := socketInfo(c, full)
	if err != nil {
		return si, err
	}
	k.info, k.full = &si, full
	return si, nil
}

func socketInfo(c int, full bool) (SocketInfo, error) {
	var si SocketInfo
	var err error
	if si.Domain, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return si, fmt.Errorf("socket domain: %w", err)
	}
	if si.Type, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		return si, fmt.Errorf("socket type: %w", err)
	}
	fl, err := unix.FcntlInt(uintptr(c), unix.F_GETFL, 0)
	if err != nil {
		return si, fmt.Errorf("file flags: %w", err)
	}
	si.NonBlock = fl&unix.O_NONBLOCK != 0
	if !full {
		return si, nil
	}
	if si.Protocol, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
		return si, fmt.Errorf("socket protocol: %w", err)
	}
	if si.Domain == unix.AF_INET || si.Domain == unix.AF_INET6 {
		if sa, err := unix.Getsockname(c); err == nil {
			switch a := sa.(type) {
			case *unix.SockaddrInet4:
				if a.Port != 0 {
					si.Local = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
				}
			case *unix.SockaddrInet6:
				if a.Port != 0 {
					si.Local = netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
				}
			}
		}
	}
	return si, nil
}

const kcmpFiles = 2 // KCMP_FILES

// FilesShared reports whether another traced task shares the calling
// thread's file descriptor table (threads, or clone with CLONE_FILES).
// When none does, the table cannot change while the thread is stopped, so
// a decision on what its fd N is holds for the call the kernel then runs.
// A task the tracer may not compare with counts as sharing.
func (s *Stop) FilesShared() (bool, error) {
	if !s.valid {
		return false, ErrCallStale
	}
	for tid := range s.t.threads {
		if tid == s.Tid {
			continue
		}
		r, _, e := unix.Syscall6(unix.SYS_KCMP, uintptr(s.Tid), uintptr(tid), kcmpFiles, 0, 0, 0)
		switch {
		case e == unix.ESRCH:
			continue // gone; its exit is on its way
		case e != 0:
			return true, nil
		case r == 0:
			return true, nil
		}
	}
	return false, nil
}
