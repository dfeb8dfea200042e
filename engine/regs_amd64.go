package engine

import "golang.org/x/sys/unix"

// regs is the architecture's register file as ptrace exchanges it.
type regs struct{ r unix.PtraceRegs }

func (g *regs) load(tid int) error  { return unix.PtraceGetRegs(tid, &g.r) }
func (g *regs) store(tid int) error { return unix.PtraceSetRegs(tid, &g.r) }

func (g *regs) arg(i int) uint64 {
	switch i {
	case 0:
		return g.r.Rdi
	case 1:
		return g.r.Rsi
	case 2:
		return g.r.Rdx
	case 3:
		return g.r.R10
	case 4:
		return g.r.R8
	default:
		return g.r.R9
	}
}

func (g *regs) setArg(i int, v uint64) {
	switch i {
	case 0:
		g.r.Rdi = v
	case 1:
		g.r.Rsi = v
	case 2:
		g.r.Rdx = v
	case 3:
		g.r.R10 = v
	case 4:
		g.r.R8 = v
	default:
		g.r.R9 = v
	}
}

func (g *regs) ret() int64       { return int64(g.r.Rax) }
func (g *regs) setRet(v int64)   { g.r.Rax = uint64(v) }
func (g *regs) syscallNr() int64 { return int64(g.r.Orig_rax) }

// skip makes the kernel skip the call at a seccomp stop: orig_rax = -1 means
// "no syscall", and rax is what the tracee sees as the result.
func (g *regs) skip(tid int, ret int64) error {
	g.r.Orig_rax = ^uint64(0)
	g.r.Rax = uint64(ret)
	return g.store(tid)
}

// rewind skips the call at a seccomp stop and moves the thread back onto
// its syscall instruction (2 bytes, as the kernel's own restart assumes)
// with rax = the syscall number again, so it issues the same call when it
// resumes: after the handler of a pending signal, if any.
func (g *regs) rewind(tid int) error {
	g.r.Rax = g.r.Orig_rax
	g.r.Orig_rax = ^uint64(0)
	g.r.Rip -= 2
	return g.store(tid)
}
