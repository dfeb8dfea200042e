package unwind

import (
	"encoding/binary"
	"fmt"
)

// numRegs is how many DWARF register columns are tracked: the general
// registers, the stack pointer and the return address or pc of either
// architecture (rules for other columns are read and ignored).
const numRegs = 33

// Regs is a thread's register file by DWARF register number, with which
// values are known (a caller's registers that the CFI does not recover are
// not).
type Regs struct {
	v  [numRegs]uint64
	ok [numRegs]bool
}

func (r *Regs) get(i uint64) (uint64, bool) {
	if i >= numRegs || !r.ok[i] {
		return 0, false
	}
	return r.v[i], true
}

func (r *Regs) set(i uint64, v uint64) {
	if i < numRegs {
		r.v[i], r.ok[i] = v, true
	}
}

// PC is the instruction pointer.
func (r *Regs) PC() uint64 { return r.v[regPC] }

// SP is the stack pointer.
func (r *Regs) SP() uint64 { return r.v[regSP] }

// FP is the frame pointer (rbp, x29).
func (r *Regs) FP() uint64 { return r.v[regFP] }

// Memory reads the tracee's memory: n bytes at addr into b, short at the
// first unreadable page (engine.Stop.ReadMemory).
type Memory interface {
	ReadMemory(addr uint64, b []byte) (int, error)
}

func readFull(mem Memory, addr uint64, b []byte) error {
	n, err := mem.ReadMemory(addr, b)
	if err != nil {
		return fmt.Errorf("reading the stack at %#x: %w", addr, err)
	}
	if n < len(b) {
		return fmt.Errorf("reading the stack at %#x: short read", addr)
	}
	return nil
}

func readWord(mem Memory, addr uint64) (uint64, error) {
	var b [8]byte
	if err := readFull(mem, addr, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// blockMem caches a few 512-byte blocks of the tracee's memory for one
// walk: the words a walk reads sit close together on the stack, and each
// read of the tracee is a system call. Blocks are aligned, so none spans
// two pages.
type blockMem struct {
	mem    Memory
	blocks [4]memBlock
	next   int
}

type memBlock struct {
	base uint64
	n    int // bytes valid from base
	data [512]byte
}

func (c *blockMem) ReadMemory(addr uint64, b []byte) (int, error) {
	end := addr + uint64(len(b))
	if end < addr || len(b) > 512 || addr&^511 != (end-1)&^511 {
		return c.mem.ReadMemory(addr, b)
	}
	base := addr &^ 511
	for i := range c.blocks {
		k := &c.blocks[i]
		if k.n > 0 && k.base == base && end <= base+uint64(k.n) {
			return copy(b, k.data[addr-base:end-base]), nil
		}
	}
	k := &c.blocks[c.next]
	c.next = (c.next + 1) % len(c.blocks)
	n, err := c.mem.ReadMemory(base, k.data[:])
	if err != nil || n < 0 {
		n = 0
	}
	k.base, k.n = base, n
	if end <= base+uint64(n) {
		return copy(b, k.data[addr-base:end-base]), nil
	}
	return c.mem.ReadMemory(addr, b)
}
