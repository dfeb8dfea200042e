package engine

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// regs is the architecture's register file as ptrace exchanges it.
type regs struct{ r unix.PtraceRegs }

func (g *regs) load(tid int) error  { return unix.PtraceGetRegs(tid, &g.r) }
func (g *regs) store(tid int) error { return unix.PtraceSetRegs(tid, &g.r) }

func (g *regs) arg(i int) uint64       { return g.r.Regs[i] }
func (g *regs) setArg(i int, v uint64) { g.r.Regs[i] = v }
func (g *regs) ret() int64             { return int64(g.r.Regs[0]) }
func (g *regs) setRet(v int64)         { g.r.Regs[0] = uint64(v) }
func (g *regs) syscallNr() int64       { return int64(g.r.Regs[8]) }

const ntARMSystemCall = 0x404 // NT_ARM_SYSTEM_CALL

// skip: on arm64 the syscall number lives in its own regset; setting it to
// -1 at a seccomp stop skips the call, and x0 carries the result.
func (g *regs) skip(tid int, ret int64) error {
	g.r.Regs[0] = uint64(ret)
	if err := g.store(tid); err != nil {
		return err
	}
	nr := int32(-1)
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&nr)), Len: 4}
	return ptrace(unix.PTRACE_SETREGSET, tid, ntARMSystemCall, uintptr(unsafe.Pointer(&iov)))
}

// rewind skips the call at a seccomp stop and moves the thread back onto
// its svc instruction (4 bytes); x0 still holds the first argument at the
// seccomp stop and x8 the number, so it issues the same call when it
// resumes: after the handler of a pending signal, if any.
func (g *regs) rewind(tid int) error {
	g.r.Pc -= 4
	if err := g.store(tid); err != nil {
		return err
	}
	nr := int32(-1)
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&nr)), Len: 4}
	return ptrace(unix.PTRACE_SETREGSET, tid, ntARMSystemCall, uintptr(unsafe.Pointer(&iov)))
}
