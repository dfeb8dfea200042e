package notify

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Call is one notified call, pending until it is answered (Continue,
// Return, Fail, ReplyFd) or its thread dies. Readers check that it is still
// pending after every read (see the package comment).
type Call struct {
	ID   uint64    // the kernel's cookie for this notification
	Tid  int       // the calling thread, in the listener's pid namespace
	Nr   int       // syscall number
	Arch uint32    // AUDIT_ARCH_* of the call
	IP   uint64    // instruction pointer at the call
	Args [6]uint64 // raw arguments

	l        *Listener
	mem      int // /proc/TID/mem, opened on first read; -1 until then
	tgid     int
	answered bool
}

// Pid is the calling thread's thread group (PIDFD_GET_INFO, Linux 6.13,
// else /proc; the thread id itself when neither can tell).
func (c *Call) Pid() int {
	if c.tgid == 0 {
		c.tgid = c.l.tgids.of(c.Tid)
	}
	return c.tgid
}

// tgidCache keeps a pidfd per caller thread, to ask it for the thread
// group (PIDFD_GET_INFO) with one ioctl: opening a pidfd allocates a file,
// and /proc/TID/status makes the kernel format a page of text. A cached
// pidfd names one task: the ioctl fails with ESRCH once that task is gone,
// even if its number was reused, so a hit is always the live thread of
// that number, which is the caller's while its notification is pending.
type tgidCache struct {
	mu  sync.Mutex
	fds map[int]int // tid → pidfd
}

const maxCachedPidfds = 1024

func (t *tgidCache) of(tid int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd, ok := t.fds[tid]; ok {
		if g := pidfdTgid(fd); g > 0 {
			return g
		}
		unix.Close(fd) // that task is gone: tid names another one now
		delete(t.fds, tid)
	}
	r, _, e := unix.RawSyscall(unix.SYS_PIDFD_OPEN, uintptr(tid), unix.PIDFD_THREAD, 0)
	if e != 0 {
		return procTgid(tid)
	}
	fd := int(r)
	unix.CloseOnExec(fd)
	g := pidfdTgid(fd)
	if g <= 0 {
		unix.Close(fd)
		return procTgid(tid)
	}
	if t.fds == nil || len(t.fds) >= maxCachedPidfds {
		t.closeLocked()
		t.fds = map[int]int{}
	}
	t.fds[tid] = fd
	return g
}

func pidfdTgid(fd int) int {
	info := unix.PidfdInfo{Mask: unix.PIDFD_INFO_PID}
	_, _, e := unix.RawSyscall(unix.SYS_IOCTL, uintptr(fd), unix.PIDFD_GET_INFO, uintptr(unsafe.Pointer(&info)))
	if e != 0 {
		return -1
	}
	return int(info.Tgid)
}

func (t *tgidCache) closeLocked() {
	for _, fd := range t.fds {
		unix.Close(fd)
	}
	t.fds = nil
}

func (t *tgidCache) close() {
	t.mu.Lock()
	t.closeLocked()
	t.mu.Unlock()
}

// Valid reports whether the call is still pending: not answered, and its
// thread still waiting in it (SECCOMP_IOCTL_NOTIF_ID_VALID).
func (c *Call) Valid() bool {
	return c != nil && !c.answered && c.l.idValid(c.ID)
}

// AtExit is always false: a notified call is seen once, before it runs.
func (c *Call) AtExit() bool { return false }

// check is the check after a read: nil while the call is pending.
func (c *Call) check() error {
	if c.answered || !c.l.idValid(c.ID) {
		return ErrGone
	}
	return nil
}

// Release frees what the readers opened. The owner calls it once the call
// is answered (or given up).
func (c *Call) Release() {
	if c.mem >= 0 {
		unix.Close(c.mem)
		c.mem = -1
	}
}

// memFd opens /proc/TID/mem once, then checks that the thread it names is
// still the caller (the pid could have been reused between the
// notification and the open).
func (c *Call) memFd() (int, error) {
	if c.answered {
		return -1, ErrGone
	}
	if c.mem < 0 {
		fd, err := unix.Open("/proc/"+strconv.Itoa(c.Tid)+"/mem", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if err == unix.ENOENT || err == unix.ESRCH {
				return -1, ErrGone
			}
			return -1, fmt.Errorf("opening memory of %d: %w", c.Tid, err)
		}
		c.mem = fd
	}
	if err := c.check(); err != nil {
		return -1, err
	}
	return c.mem, nil
}

// read reads memory at addr; a short read ends at an unreadable page.
func (c *Call) read(addr uint64, b []byte) (int, error) {
	if addr == 0 {
		return 0, fmt.Errorf("reading memory of %d: null pointer", c.Tid)
	}
	fd, err := c.memFd()
	if err != nil {
		return 0, err
	}
	n := 0
	for n < len(b) {
		chunk := pageSize - int((addr+uint64(n))%pageSize)
		if chunk > len(b)-n {
			chunk = len(b) - n
		}
		m, err := unix.Pread(fd, b[n:n+chunk], int64(addr+uint64(n)))
		if m > 0 {
			n += m
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil || m < chunk {
			if n == 0 {
				if err == nil || err == unix.EIO {
					err = unix.EFAULT
				}
				return 0, fmt.Errorf("reading memory of %d at %#x: %w", c.Tid, addr, err)
			}
			return n, nil
		}
	}
	return n, nil
}

const pageSize = 4096

// ReadMemory reads the caller's memory at addr into b and returns how many
// bytes were read; a short read ends at the first unreadable page.
func (c *Call) ReadMemory(addr uint64, b []byte) (int, error) {
	n, err := c.read(addr, b)
	if err != nil {
		return 0, err
	}
	if err := c.check(); err != nil {
		return 0, err
	}
	return n, nil
}

// ReadString reads a NUL-terminated string of at most max bytes; truncated
// reports that no NUL was found within max.
func (c *Call) ReadString(addr uint64, max int) (string, bool, error) {
	s, truncated, err := c.readString(addr, max)
	if err != nil {
		return "", false, err
	}
	if err := c.check(); err != nil {
		return "", false, err
	}
	return s, truncated, nil
}

func (c *Call) readString(addr uint64, max int) (string, bool, error) {
	var out []byte
	buf := make([]byte, 256)
	for len(out) < max {
		want := len(buf)
		if rem := max - len(out); rem < want {
			want = rem
		}
		n, err := c.read(addr+uint64(len(out)), buf[:want])
		if err != nil {
			if len(out) > 0 && err != ErrGone {
				return string(out), true, nil
			}
			return "", false, err
		}
		for i := 0; i < n; i++ {
			if buf[i] == 0 {
				return string(append(out, buf[:i]...)), false, nil
			}
		}
		out = append(out, buf[:n]...)
		if n < want {
			return string(out), true, nil
		}
	}
	return string(out), true, nil
}

// ReadStringArray reads a NULL-terminated array of string pointers (argv,
// envp) of at most maxItems entries, each string at most maxLen bytes.
func (c *Call) ReadStringArray(addr uint64, maxItems, maxLen int) ([]string, bool, error) {
	var out []string
	var ptr [8]byte
	for i := 0; i < maxItems; i++ {
		n, err := c.read(addr+uint64(8*i), ptr[:])
		if err == nil && n < len(ptr) {
			err = fmt.Errorf("reading memory of %d at %#x: %w", c.Tid, addr+uint64(8*i+n), unix.EFAULT)
		}
		if err != nil {
			return nil, false, err
		}
		p := binary.NativeEndian.Uint64(ptr[:])
		if p == 0 {
			return out, false, c.check()
		}
		s, _, err := c.readString(p, maxLen)
		if err != nil {
			return nil, false, err
		}
		out = append(out, s)
	}
	if err := c.check(); err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// FdPath is what /proc/TID/fd/N points to for the caller.
func (c *Call) FdPath(fd int) (string, error) {
	return c.link("fd/" + strconv.Itoa(fd))
}

// Cwd is the caller's working directory.
func (c *Call) Cwd() (string, error) { return c.link("cwd") }

func (c *Call) link(name string) (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	p, err := os.Readlink("/proc/" + strconv.Itoa(c.Tid) + "/" + name)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return "", fmt.Errorf("%s of %d: %w", name, c.Tid, err)
	}
	if err := c.check(); err != nil {
		return "", err
	}
	return p, nil
}

// Continue lets the kernel run the call as the caller issued it
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). The kernel documentation warns that
// this is no basis for a security decision: the caller's memory can change
// between the supervisor's read and the kernel's. ErrGone means the thread
// died meanwhile.
func (c *Call) Continue() error {
	return c.answer(seccompNotifResp{ID: c.ID, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE})
}

// Return makes the call return v without running it.
func (c *Call) Return(v int64) error { return c.answer(seccompNotifResp{ID: c.ID, Val: v}) }

// Fail makes the call fail with errno e without running it.
func (c *Call) Fail(e int) error {
	if e < 1 || e > 4095 {
		return fmt.Errorf("answering notification %d: errno %d out of range 1..4095", c.ID, e)
	}
	return c.answer(seccompNotifResp{ID: c.ID, Error: int32(-e)})
}

func (c *Call) answer(r seccompNotifResp) error {
	if c.answered {
		return ErrGone
	}
	c.answered = true
	return c.l.send(&r)
}

// ReplyFd installs a copy of fd (a descriptor of this process) in the
// caller and makes the call return its number, in one step
// (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND, Linux 5.14). With
// cloexec the new descriptor is close-on-exec. This process keeps fd.
func (c *Call) ReplyFd(fd int, cloexec bool) (int, error) {
	if c.answered {
		return -1, ErrGone
	}
	a := seccompNotifAddfd{ID: c.ID, Flags: unix.SECCOMP_ADDFD_FLAG_SEND, Srcfd: uint32(fd)}
	if cloexec {
		a.NewfdFlags = unix.O_CLOEXEC
	}
	n, err := c.l.addFd(&a)
	if err == nil || err == ErrGone {
		c.answered = true
	}
	return n, err
}

// procTgid reads the thread group of tid from /proc; tid itself when
// /proc cannot tell.
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
