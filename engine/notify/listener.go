package notify

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's structures (include/uapi/linux/seccomp.h).
type (
	seccompData struct {
		Nr   int32
		Arch uint32
		IP   uint64
		Args [6]uint64
	}
	seccompNotif struct {
		ID    uint64
		Pid   uint32
		Flags uint32
		Data  seccompData
	}
	seccompNotifResp struct {
		ID    uint64
		Val   int64
		Error int32
		Flags uint32
	}
	seccompNotifAddfd struct {
		ID         uint64
		Flags      uint32
		Srcfd      uint32
		Newfd      uint32
		NewfdFlags uint32
	}
)

// Listener is a seccomp notification listener descriptor.
type Listener struct {
	fd     int
	mu     sync.Mutex // guards closed against Close racing a receive
	closed bool
	// wake interrupts a Wait: Close writes to it.
	wakeR, wakeW int
	// raw: Wait, WaitFd and Receive block without the Go runtime's
	// syscall bookkeeping (see SetRaw).
	raw bool
	// tgids finds the callers' thread groups (Call.Pid).
	tgids tgidCache
}

// SetRaw makes Wait, WaitFd and Receive block in raw system calls: the
// blocked thread keeps its P, so the runtime neither hands it to another
// thread nor wakes one when the wait ends (the engine's wait4 does the
// same). The cost: a garbage collection that starts meanwhile waits for
// the next notification. Precondition: the caller's OS thread is locked
// and no other goroutine of the program must make progress while it
// waits (a single-threaded supervisor loop).
func (l *Listener) SetRaw() { l.raw = true }

// poll is poll(2) with no time limit, raw with SetRaw.
func (l *Listener) poll(fds []unix.PollFd) error {
	if !l.raw {
		_, err := unix.Poll(fds, -1)
		return err
	}
	_, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), 0, 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// NewListener takes ownership of fd, a listener descriptor.
func NewListener(fd int) (*Listener, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("creating listener wake pipe: %w", err)
	}
	unix.CloseOnExec(fd)
	return &Listener{fd: fd, wakeR: p[0], wakeW: p[1]}, nil
}

// Fd is the listener descriptor (for passing it to another process).
func (l *Listener) Fd() int { return l.fd }

// Close closes the listener. Every notification still pending is then
// answered by the kernel with ENOSYS, and later calls that the filter
// notifies fail with ENOSYS at once. A goroutine blocked in Wait returns
// ErrClosed.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	unix.Write(l.wakeW, []byte{1})
	return unix.Close(l.fd)
}

// release frees the wake pipe and the cached pidfds; called once nothing
// can Wait any more.
func (l *Listener) release() {
	unix.Close(l.wakeR)
	unix.Close(l.wakeW)
	l.tgids.close()
}

// Shutdown closes the listener and its wake pipe; no Wait may be running.
func (l *Listener) Shutdown() {
	l.Close()
	l.release()
}

// SetSyncWakeUp asks the kernel to wake the notifying thread and this
// listener's receiver on the same CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
// Linux 6.6): faster when supervisor and caller take turns.
func (l *Listener) SetSyncWakeUp() error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_SET_FLAGS, unix.SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
	if e != 0 {
		return fmt.Errorf("setting SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: %w", e)
	}
	return nil
}

// Wait blocks until a notification is pending (nil), every task of the
// filter has exited (ErrNoUsers) or the listener is closed (ErrClosed).
func (l *Listener) Wait() error {
	fds := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}, {Fd: int32(l.wakeR), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		err := l.poll(fds)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("polling notification listener: %w", err)
		}
		if fds[1].Revents != 0 || fds[0].Revents&unix.POLLNVAL != 0 {
			return ErrClosed
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			return nil
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return ErrNoUsers
		}
	}
}

// Receive takes the next notification into c, blocking until there is one
// (call Wait first not to block). A notification whose thread died
// before it was taken is skipped by the kernel (ENOENT): Receive then
// returns ErrGone and the caller receives again.
func (l *Listener) Receive(c *Call) error {
	var n seccompNotif
	sys := unix.Syscall
	if l.raw {
		sys = unix.RawSyscall
	}
	for {
		_, _, e := sys(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
		switch e {
		case 0:
			*c = Call{ID: n.ID, Tid: int(n.Pid), Nr: int(n.Data.Nr), Arch: n.Data.Arch, IP: n.Data.IP, Args: n.Data.Args, l: l, mem: -1}
			return nil
		case unix.EINTR:
			continue
		case unix.ENOENT:
			return ErrGone
		case unix.EBADF:
			return ErrClosed
		}
		return fmt.Errorf("receiving a notification: %w", e)
	}
}

// ReceiveWait is Receive for a loop that blocks in the receive itself
// rather than in Wait: a signal whose handler does not restart calls
// (SA_RESTART) makes it return ErrInterrupted, and once every task of the
// filter has exited it returns ErrNoUsers (the kernel ends a blocked
// receive then, with ENOENT; see HungUp). ErrGone is as for Receive.
func (l *Listener) ReceiveWait(c *Call) error {
	var n seccompNotif
	sys := unix.Syscall
	if l.raw {
		sys = unix.RawSyscall
	}
	_, _, e := sys(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
	switch e {
	case 0:
		*c = Call{ID: n.ID, Tid: int(n.Pid), Nr: int(n.Data.Nr), Arch: n.Data.Arch, IP: n.Data.IP, Args: n.Data.Args, l: l, mem: -1}
		return nil
	case unix.EINTR:
		return ErrInterrupted
	case unix.ENOENT:
		if l.HungUp() {
			return ErrNoUsers
		}
		return ErrGone
	case unix.EBADF:
		return ErrClosed
	}
	return fmt.Errorf("receiving a notification: %w", e)
}

// HungUp reports, without blocking, whether every task of the filter has
// exited (the listener polls POLLHUP).
func (l *Listener) HungUp() bool {
	ev := l.pollNow()
	return ev&(unix.POLLHUP|unix.POLLERR) != 0 && ev&unix.POLLIN == 0
}

// Pending reports, without blocking, whether a notification waits to be
// received: a Receive then returns at once (with ErrGone if its thread
// died meanwhile).
func (l *Listener) Pending() bool { return l.pollNow()&unix.POLLIN != 0 }

// pollNow is the listener's poll events, without waiting.
func (l *Listener) pollNow() int16 {
	fds := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}}
	var ts unix.Timespec
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0
		}
		return fds[0].Revents
	}
}

// idValid reports whether notification id is still pending.
func (l *Listener) idValid(id uint64) bool {
	// these ioctls never block: raw, as the runtime needs no notice
	_, _, e := unix.RawSyscall(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_ID_VALID, uintptr(unsafe.Pointer(&id)))
	return e == 0
}

// send answers notification id. ENOENT (the thread was killed while the
// call was pending) is ErrGone.
func (l *Listener) send(r *seccompNotifResp) error {
	for {
		_, _, e := unix.RawSyscall(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(r)))
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			continue
		case unix.ENOENT:
			return ErrGone
		}
		return fmt.Errorf("answering notification %d: %w", r.ID, e)
	}
}

// addFd installs srcfd in the caller (SECCOMP_IOCTL_NOTIF_ADDFD) and, with
// send, answers the call with the new descriptor's number in one step.
//
// The ioctl waits for the caller to install the descriptor, and a signal
// that interrupts that wait makes the kernel drop the request and restart
// the ioctl, which then finds the call answered and fails with EINPROGRESS
// (the Go runtime's preemption signal is enough). So every signal is
// blocked on this thread for the ioctl: from the first raw syscall to the
// last nothing can reschedule the goroutine, and pending signals arrive
// once the mask is back.
func (l *Listener) addFd(a *seccompNotifAddfd) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	all, old := ^uint64(0), uint64(0)
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return -1, fmt.Errorf("blocking signals for ADDFD: %w", e)
	}
	var r uintptr
	var e unix.Errno
	for {
		r, _, e = unix.RawSyscall(unix.SYS_IOCTL, uintptr(l.fd), unix.SECCOMP_IOCTL_NOTIF_ADDFD, uintptr(unsafe.Pointer(a)))
		if e != unix.EINTR {
			break
		}
	}
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	switch e {
	case 0:
		return int(r), nil
	case unix.ENOENT:
		return -1, ErrGone
	}
	return -1, fmt.Errorf("adding a descriptor to notified call %d: %w", a.ID, e)
}

// WaitFd is Wait that also watches fd (a pidfd, say): other reports
// whether fd became readable, in which case no notification needs to be
// pending. ErrNoUsers and ErrClosed are as for Wait.
func (l *Listener) WaitFd(fd int) (other bool, err error) {
	fds := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}, {Fd: int32(l.wakeR), Events: unix.POLLIN}, {Fd: int32(fd), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents, fds[2].Revents = 0, 0, 0
		err := l.poll(fds)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("polling notification listener: %w", err)
		}
		if fds[1].Revents != 0 || fds[0].Revents&unix.POLLNVAL != 0 {
			return false, ErrClosed
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			return false, nil
		}
		if fds[2].Revents != 0 {
			return true, nil
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return false, ErrNoUsers
		}
	}
}
