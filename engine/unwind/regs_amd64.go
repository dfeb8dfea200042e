package unwind

import "golang.org/x/sys/unix"

// DWARF register numbers of x86-64 (System V psABI): rbp 6, rsp 7, and 16
// the return address column, which holds rip.
const (
	regFP = 6
	regSP = 7
	regPC = 16
)

// FromPtrace maps the ptrace register file to DWARF numbers.
func FromPtrace(p *unix.PtraceRegs) Regs {
	var r Regs
	for i, v := range [...]uint64{p.Rax, p.Rdx, p.Rcx, p.Rbx, p.Rsi, p.Rdi, p.Rbp, p.Rsp,
		p.R8, p.R9, p.R10, p.R11, p.R12, p.R13, p.R14, p.R15, p.Rip} {
		r.set(uint64(i), v)
	}
	return r
}

// setPC makes ra (the return address column's value) the caller's pc.
func (r *Regs) setPC(ra uint64) { r.set(regPC, ra) }

// stripPAC: x86-64 return addresses carry no signature.
func stripPAC(v uint64) uint64 { return v }
