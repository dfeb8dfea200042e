package unwind

import "golang.org/x/sys/unix"

// DWARF register numbers of AArch64: x0..x30 are 0..30 (x29 the frame
// pointer, x30 the link register and the return address column), sp 31;
// the pc has no DWARF column and is kept in 32.
const (
	regFP = 29
	regLR = 30
	regSP = 31
	regPC = 32
)

// FromPtrace maps the ptrace register file to DWARF numbers.
func FromPtrace(p *unix.PtraceRegs) Regs {
	var r Regs
	for i, v := range p.Regs {
		r.set(uint64(i), v)
	}
	r.set(regSP, p.Sp)
	r.set(regPC, p.Pc)
	return r
}

// setPC makes ra (the return address column's value) the caller's pc.
func (r *Regs) setPC(ra uint64) { r.set(regPC, ra) }

// stripPAC removes a pointer-authentication signature from a return
// address: user addresses fit in 48 bits.
func stripPAC(v uint64) uint64 { return v & (1<<48 - 1) }
