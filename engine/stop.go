package engine

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// Stop is one seccomp stop, handed to Hooks.Seccomp. It is valid only during
// that call; methods return ErrCallStale afterwards.
type Stop struct {
	Tid  int       // the calling thread
	Pid  int       // its thread group
	Nr   int       // syscall number
	Args [6]uint64 // raw arguments
	UD   uint32    // SECCOMP_RET_DATA of the rule that matched
	IP   uint64    // the instruction pointer (after the syscall instruction)
	SP   uint64    // the stack pointer at the call

	t          *trace
	valid      bool
	regs       regs
	regsLoaded bool
	dirty      bool
	onReturn   ReturnFunc
	atExit     bool
	ret        int64
	copies     []fdCopy  // the tracer's copies of the tracee's fds (pidfd.go)
	sock       *SockCall // the socket call's arguments, read once (sockcall.go)
}

// Ret is the call's raw return value (negative errno on failure); ok is
// false at the seccomp stop, before the call has run.
func (s *Stop) Ret() (ret int64, ok bool) { return s.ret, s.atExit }

// ReturnFunc runs at the exit of a call whose Stop asked for it. ret is the
// raw return value (negative errno on failure); returning replace=true sets
// the value the tracee sees. An error kills the traced tree, as a Seccomp
// hook error does.
type ReturnFunc func(s *Stop, ret int64) (v int64, replace bool, err error)

// AtExit reports whether this Stop is a call's exit (ReturnFunc) rather than
// its seccomp stop.
func (s *Stop) AtExit() bool { return s.atExit }

// StackPointer is SP; decoders that read the stack (rt_sigreturn's signal
// frame) look for it.
func (s *Stop) StackPointer() uint64 { return s.SP }

// Valid reports whether the stop can still be used.
func (s *Stop) Valid() bool { return s != nil && s.valid }

func (s *Stop) loadRegs() error {
	if !s.valid {
		return ErrCallStale
	}
	if !s.regsLoaded {
		if err := s.regs.load(s.Tid); err != nil {
			return fmt.Errorf("reading registers of %d: %w", s.Tid, err)
		}
		s.regsLoaded = true
	}
	return nil
}

// Regs is a copy of the calling thread's register file at this stop, as
// PTRACE_GETREGS returns it (read once per stop); for unwinding its stack.
func (s *Stop) Regs() (unix.PtraceRegs, error) {
	if err := s.loadRegs(); err != nil {
		return unix.PtraceRegs{}, err
	}
	return s.regs.r, nil
}

// SetArg changes argument i (0-based) before the call runs.
func (s *Stop) SetArg(i int, v uint64) error {
	if s.atExit {
		return fmt.Errorf("setting an argument at the call's exit: the call already ran")
	}
	if i < 0 || i > 5 {
		return fmt.Errorf("argument index %d out of range 0..5", i)
	}
	if err := s.loadRegs(); err != nil {
		return err
	}
	s.regs.setArg(i, v)
	s.Args[i] = v
	s.dirty = true
	return nil
}

// OnReturn asks for the call's exit stop, for this call only, and runs f
// there. The tracer stops at the exit of no other call.
func (s *Stop) OnReturn(f ReturnFunc) error {
	if !s.valid {
		return ErrCallStale
	}
	if s.atExit {
		return ErrAtExit
	}
	s.onReturn = f
	return nil
}

func (s *Stop) skip(ret int64) error {
	if err := s.loadRegs(); err != nil {
		return err
	}
	return s.regs.skip(s.Tid, ret)
}

// ReadMemory reads tracee memory at addr into b and returns how many bytes
// were read; a short read ends at the first unreadable page.
func (s *Stop) ReadMemory(addr uint64, b []byte) (int, error) {
	if !s.valid {
		return 0, ErrCallStale
	}
	return readMemory(s.Tid, addr, b)
}

// ReadString reads a NUL-terminated string of at most max bytes. truncated
// reports that no NUL was found within max.
func (s *Stop) ReadString(addr uint64, max int) (str string, truncated bool, err error) {
	if !s.valid {
		return "", false, ErrCallStale
	}
	return readString(s.Tid, addr, max)
}

// FdPath is what /proc/PID/fd/N points to for the calling process.
func (s *Stop) FdPath(fd int) (string, error) {
	if !s.valid {
		return "", ErrCallStale
	}
	p, err := os.Readlink("/proc/" + strconv.Itoa(s.Tid) + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", fmt.Errorf("fd %d of %d: %w", fd, s.Pid, unwrapPathErr(err))
	}
	return p, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

const pageSize = 4096

// readMemory uses process_vm_readv page by page, so an unmapped page ends
// the read instead of failing all of it.
func readMemory(tid int, addr uint64, b []byte) (int, error) {
	if addr == 0 {
		return 0, fmt.Errorf("reading memory of %d: null pointer", tid)
	}
	n := 0
	for n < len(b) {
		chunk := pageSize - int((addr+uint64(n))%pageSize)
		if chunk > len(b)-n {
			chunk = len(b) - n
		}
		local := []unix.Iovec{{Base: &b[n], Len: uint64(chunk)}}
		remote := []unix.RemoteIovec{{Base: uintptr(addr) + uintptr(n), Len: chunk}}
		m, err := unix.ProcessVMReadv(tid, local, remote, 0)
		if m > 0 {
			n += m
		}
		if err != nil || m < chunk {
			if n == 0 {
				if err == nil {
					err = unix.EFAULT
				}
				return 0, fmt.Errorf("reading memory of %d at %#x: %w", tid, addr, err)
			}
			return n, nil
		}
	}
	return n, nil
}

func readString(tid int, addr uint64, max int) (string, bool, error) {
	var out []byte
	buf := make([]byte, 256)
	for len(out) < max {
		want := len(buf)
		if rem := max - len(out); rem < want {
			want = rem
		}
		n, err := readMemory(tid, addr+uint64(len(out)), buf[:want])
		if err != nil {
			if len(out) > 0 {
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
// truncated reports that the array went on past maxItems.
func (s *Stop) ReadStringArray(addr uint64, maxItems, maxLen int) (out []string, truncated bool, err error) {
	if !s.valid {
		return nil, false, ErrCallStale
	}
	var ptr [8]byte
	for i := 0; i < maxItems; i++ {
		if _, err := readFull(s.Tid, addr+uint64(8*i), ptr[:]); err != nil {
			return out, false, err
		}
		p := binary.NativeEndian.Uint64(ptr[:])
		if p == 0 {
			return out, false, nil
		}
		str, _, err := readString(s.Tid, p, maxLen)
		if err != nil {
			return out, false, err
		}
		out = append(out, str)
	}
	return out, true, nil
}

func readFull(tid int, addr uint64, b []byte) (int, error) {
	n, err := readMemory(tid, addr, b)
	if err == nil && n < len(b) {
		err = fmt.Errorf("reading memory of %d at %#x: %w", tid, addr+uint64(n), unix.EFAULT)
	}
	return n, err
}

// Cwd is the calling process's working directory, for resolving relative
// path arguments.
func (s *Stop) Cwd() (string, error) {
	if !s.valid {
		return "", ErrCallStale
	}
	p, err := os.Readlink("/proc/" + strconv.Itoa(s.Tid) + "/cwd")
	if err != nil {
		return "", fmt.Errorf("cwd of %d: %w", s.Pid, unwrapPathErr(err))
	}
	return p, nil
}

// CallReader is what a handler can read of a stopped call's caller,
// whichever stop source stopped it: a ptrace Stop or a notified call
// (notify.Call, whose readers also check that the call is still pending).
type CallReader interface {
	Valid() bool
	AtExit() bool
	ReadMemory(addr uint64, b []byte) (int, error)
	ReadString(addr uint64, max int) (string, bool, error)
	ReadStringArray(addr uint64, maxItems, maxLen int) ([]string, bool, error)
	FdPath(fd int) (string, error)
	Cwd() (string, error)
}

var (
	_ CallReader = (*Stop)(nil)
	_ CallReader = (*notify.Call)(nil)
)
