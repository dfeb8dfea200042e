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

// takeFd duplicates fd of thread tid (thread group tgid) into this process,
// close-on-exec. The pidfd names the thread (PIDFD_THREAD, Linux 6.9), so
// a thread with an fd table of its own (clone without CLONE_FILES) is
// read right; older kernels fall back to the thread group's table.
func takeFd(tgid, tid, fd int) (int, error) {
	if fd < 0 {
		return -1, unix.EBADF
	}
	pfd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err == unix.EINVAL {
		pfd, err = unix.PidfdOpen(tgid, 0)
	}
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	for {
		c, err := unix.PidfdGetfd(pfd, fd, 0)
		if err == unix.EINTR {
			continue
		}
		return c, err
	}
}

type fdCopy struct{ tfd, fd int }

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
	c, err := takeFd(s.Pid, s.Tid, fd)
	if err != nil {
		return -1, fmt.Errorf("taking fd %d of %d: %w", fd, s.Tid, err)
	}
	s.copies = append(s.copies, fdCopy{fd, c})
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
func (s *Stop) Socket(fd int) (SocketInfo, error) {
	c, err := s.copyFd(fd)
	if err != nil {
		return SocketInfo{}, err
	}
	return socketInfo(c)
}

func socketInfo(c int) (SocketInfo, error) {
	var si SocketInfo
	var err error
	if si.Domain, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return si, fmt.Errorf("socket domain: %w", err)
	}
	if si.Type, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		return si, fmt.Errorf("socket type: %w", err)
	}
	if si.Protocol, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
		return si, fmt.Errorf("socket protocol: %w", err)
	}
	fl, err := unix.FcntlInt(uintptr(c), unix.F_GETFL, 0)
	if err != nil {
		return si, fmt.Errorf("file flags: %w", err)
	}
	si.NonBlock = fl&unix.O_NONBLOCK != 0
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
