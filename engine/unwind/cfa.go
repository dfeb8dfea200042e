package unwind

import "fmt"

// ruleKind is how a register of the caller is recovered.
type ruleKind uint8

const (
	ruleSame      ruleKind = iota // unset or DW_CFA_same_value: unchanged
	ruleUndefined                 // not recoverable (the return address: end of stack)
	ruleOffset                    // saved at CFA+off
	ruleValOffset                 // is CFA+off
	ruleRegister                  // in register reg
	ruleExpr                      // saved at the address expr computes
	ruleValExpr                   // is the value expr computes
)

type rule struct {
	kind ruleKind
	off  int64
	reg  uint64
	expr []byte
}

// row is one row of the CFI table: how to find the CFA and each register.
type row struct {
	cfaReg  uint64
	cfaOff  int64
	cfaExpr []byte // when set, the CFA is this expression's value
	regs    [numRegs]rule
}

// machine runs CFI programs (the CIE's initial instructions, then the
// FDE's) up to a target address.
type machine struct {
	ops   int // instructions run, across the CIE's and the FDE's
	c     *cie
	sec   *cfiSection
	row   row
	init  row // the row after the initial instructions (DW_CFA_restore)
	stack []row
}

// rowFor computes the CFI row in effect at pc inside f.
func rowFor(sec *cfiSection, f *fde, pc uint64) (*row, error) {
	m := &machine{c: f.cie, sec: sec}
	if err := m.run(f.cie.initial, 0, ^uint64(0), true); err != nil {
		return nil, fmt.Errorf("CIE initial instructions: %w", err)
	}
	m.init = m.row
	if err := m.run(f.instr, f.lo, pc, false); err != nil {
		return nil, err
	}
	return &m.row, nil
}

func (m *machine) setReg(reg uint64, r rule) {
	if reg < numRegs {
		m.row.regs[reg] = r
	}
}

// run executes code, starting at address loc; it stops once loc passes
// target. initial: the CIE's instructions (no advance expected).
func (m *machine) run(code []byte, loc, target uint64, initial bool) error {
	r := reader{b: code}
	c := m.c
	advance := func(delta uint64) bool {
		loc += delta * c.codeAlign
		return loc > target
	}
	for r.left() > 0 {
		if m.ops++; m.ops > maxCFIOps {
			return fmt.Errorf("CFI program longer than %d instructions: %w", maxCFIOps, ErrMalformed)
		}
		op := r.u8()
		switch op & 0xc0 {
		case 0x40: // DW_CFA_advance_loc
			if advance(uint64(op & 0x3f)) {
				return nil
			}
			continue
		case 0x80: // DW_CFA_offset
			m.setReg(uint64(op&0x3f), rule{kind: ruleOffset, off: int64(r.uleb()) * c.dataAlign})
			continue
		case 0xc0: // DW_CFA_restore
			if reg := uint64(op & 0x3f); reg < numRegs {
				m.row.regs[reg] = m.init.regs[reg]
			}
			continue
		}
		switch op {
		case 0x00: // DW_CFA_nop
		case 0x01: // DW_CFA_set_loc
			var v uint64
			var err error
			if m.sec.eh {
				// pc-relative to where the operand sits: the
				// program is a slice of the section, so find it.
				v, err = r.encoded(c.fdeEnc, m.sec.addr+uint64(sliceOffset(m.sec.data, code)))
			} else if c.addrSize == 4 {
				v = uint64(r.u32())
			} else {
				v = r.u64()
			}
			if err != nil {
				return err
			}
			if v < loc {
				return fmt.Errorf("DW_CFA_set_loc backwards: %w", ErrMalformed)
			}
			loc = v
			if loc > target {
				return nil
			}
		case 0x02: // DW_CFA_advance_loc1
			if advance(uint64(r.u8())) {
				return nil
			}
		case 0x03: // DW_CFA_advance_loc2
			if advance(uint64(r.u16())) {
				return nil
			}
		case 0x04: // DW_CFA_advance_loc4
			if advance(uint64(r.u32())) {
				return nil
			}
		case 0x05: // DW_CFA_offset_extended
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleOffset, off: int64(r.uleb()) * c.dataAlign})
		case 0x06: // DW_CFA_restore_extended
			if reg := r.uleb(); reg < numRegs {
				m.row.regs[reg] = m.init.regs[reg]
			}
		case 0x07: // DW_CFA_undefined
			m.setReg(r.uleb(), rule{kind: ruleUndefined})
		case 0x08: // DW_CFA_same_value
			m.setReg(r.uleb(), rule{kind: ruleSame})
		case 0x09: // DW_CFA_register
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleRegister, reg: r.uleb()})
		case 0x0a: // DW_CFA_remember_state
			if len(m.stack) >= maxStateStack {
				return fmt.Errorf("DW_CFA_remember_state deeper than %d: %w", maxStateStack, ErrMalformed)
			}
			m.stack = append(m.stack, m.row)
		case 0x0b: // DW_CFA_restore_state: the CFA rule too, as GCC means it
			if len(m.stack) == 0 {
				return fmt.Errorf("DW_CFA_restore_state with nothing remembered: %w", ErrMalformed)
			}
			saved := m.stack[len(m.stack)-1]
			m.stack = m.stack[:len(m.stack)-1]
			m.row = saved
		case 0x0c: // DW_CFA_def_cfa
			m.row.cfaReg = r.uleb()
			m.row.cfaOff = int64(r.uleb())
			m.row.cfaExpr = nil
		case 0x0d: // DW_CFA_def_cfa_register
			m.row.cfaReg = r.uleb()
			m.row.cfaExpr = nil
		case 0x0e: // DW_CFA_def_cfa_offset
			m.row.cfaOff = int64(r.uleb())
		case 0x0f: // DW_CFA_def_cfa_expression
			m.row.cfaExpr = r.bytes(r.uleb())
			if m.row.cfaExpr == nil {
				m.row.cfaExpr = []byte{}
			}
		case 0x10: // DW_CFA_expression
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleExpr, expr: r.bytes(r.uleb())})
		case 0x11: // DW_CFA_offset_extended_sf
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleOffset, off: r.sleb() * c.dataAlign})
		case 0x12: // DW_CFA_def_cfa_sf
			m.row.cfaReg = r.uleb()
			m.row.cfaOff = r.sleb() * c.dataAlign
			m.row.cfaExpr = nil
		case 0x13: // DW_CFA_def_cfa_offset_sf
			m.row.cfaOff = r.sleb() * c.dataAlign
		case 0x14: // DW_CFA_val_offset
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleValOffset, off: int64(r.uleb()) * c.dataAlign})
		case 0x15: // DW_CFA_val_offset_sf
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleValOffset, off: r.sleb() * c.dataAlign})
		case 0x16: // DW_CFA_val_expression
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleValExpr, expr: r.bytes(r.uleb())})
		case 0x2d: // DW_CFA_GNU_window_save / DW_CFA_AARCH64_negate_ra_state
			// Pointer authentication of the return address: the
			// address is stripped when it is used (stripPAC).
		case 0x2e: // DW_CFA_GNU_args_size
			r.uleb()
		case 0x2f: // DW_CFA_GNU_negative_offset_extended
			reg := r.uleb()
			m.setReg(reg, rule{kind: ruleOffset, off: -int64(r.uleb()) * c.dataAlign})
		default:
			return fmt.Errorf("DW_CFA op %#x: %w", op, ErrUnsupported)
		}
		if r.err != nil {
			return r.err
		}
	}
	return r.err
}

// sliceOffset is where sub starts inside b (sub is a subslice of b).
func sliceOffset(b, sub []byte) int {
	if len(sub) == 0 || len(b) == 0 {
		return 0
	}
	n := cap(b) - cap(sub)
	if n < 0 || n > len(b) {
		return 0
	}
	return n
}
