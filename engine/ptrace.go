package engine

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// seizeOptions: seccomp stops only for filtered calls, every descendant
// followed from its creation, exec reported (pid switch), and the tracees die
// with the tracer rather than run on untraced.
const seizeOptions = unix.PTRACE_O_TRACESECCOMP | unix.PTRACE_O_TRACEFORK |
	unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC |
	unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESYSGOOD

// Precondition: the runtime OS thread must be locked.
func ptrace(req, pid int, addr, data uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// seize uses the raw request because unix.PtraceSeize passes no options.
func seize(pid int) error { return ptrace(unix.PTRACE_SEIZE, pid, 0, seizeOptions) }

func cont(tid, sig int) error { return ptrace(unix.PTRACE_CONT, tid, 0, uintptr(sig)) }

func listen(tid int) error { return ptrace(unix.PTRACE_LISTEN, tid, 0, 0) }

func eventMsg(tid int) (uint64, error) {
	var msg uint64
	err := ptrace(unix.PTRACE_GETEVENTMSG, tid, 0, uintptr(unsafe.Pointer(&msg)))
	return msg, err
}

// syscallInfo mirrors struct ptrace_syscall_info (linux/ptrace.h) for the
// seccomp and exit ops; one request replaces GETEVENTMSG plus GETREGS.
type syscallInfo struct {
	Op   uint8
	_    [3]uint8
	Arch uint32
	IP   uint64
	SP   uint64
	Nr   uint64 // seccomp/entry: syscall number; exit: return value
	Args [6]uint64
	Data uint32 // seccomp: SECCOMP_RET_DATA
	_    uint32
}

func getSyscallInfo(tid int, si *syscallInfo) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		unsafe.Sizeof(*si), uintptr(unsafe.Pointer(si)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
