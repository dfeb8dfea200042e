package unwind

import (
	"encoding/binary"
	"fmt"
)

const (
	maxExprSteps = 1000 // operations evaluated per expression
	maxExprStack = 64
)

// evalExpr evaluates a DWARF expression of the kind CFI uses (for
// DW_CFA_def_cfa_expression, DW_CFA_expression, DW_CFA_val_expression):
// arithmetic, register-relative values and memory reads. push, if set, is
// pushed first (the CFA, for the register rules). An operation it does
// not know ends the walk with ErrUnsupported.
func evalExpr(code []byte, regs *Regs, mem Memory, push *uint64) (uint64, error) {
	var st []uint64
	if push != nil {
		st = append(st, *push)
	}
	r := reader{b: code}
	pop := func() (uint64, bool) {
		if len(st) == 0 {
			return 0, false
		}
		v := st[len(st)-1]
		st = st[:len(st)-1]
		return v, true
	}
	underflow := fmt.Errorf("expression stack underflow: %w", ErrMalformed)
	for steps := 0; r.left() > 0; steps++ {
		if steps >= maxExprSteps {
			return 0, fmt.Errorf("expression longer than %d steps: %w", maxExprSteps, ErrMalformed)
		}
		if len(st) >= maxExprStack {
			return 0, fmt.Errorf("expression stack deeper than %d: %w", maxExprStack, ErrMalformed)
		}
		op := r.u8()
		switch {
		case op >= 0x30 && op <= 0x4f: // DW_OP_lit0..31
			st = append(st, uint64(op-0x30))
			continue
		case op >= 0x70 && op <= 0x8f: // DW_OP_breg0..31
			reg := uint64(op - 0x70)
			off := r.sleb()
			v, ok := regs.get(reg)
			if !ok {
				return 0, fmt.Errorf("DW_OP_breg%d: register not known: %w", reg, ErrUnsupported)
			}
			st = append(st, v+uint64(off))
			continue
		}
		switch op {
		case 0x03: // DW_OP_addr
			st = append(st, r.u64())
		case 0x06, 0x94: // DW_OP_deref, DW_OP_deref_size
			size := 8
			if op == 0x94 {
				size = int(r.u8())
				if size < 1 || size > 8 {
					return 0, fmt.Errorf("DW_OP_deref_size %d: %w", size, ErrMalformed)
				}
			}
			a, ok := pop()
			if !ok {
				return 0, underflow
			}
			var b [8]byte
			if err := readFull(mem, a, b[:size]); err != nil {
				return 0, err
			}
			st = append(st, binary.LittleEndian.Uint64(b[:]))
		case 0x08: // DW_OP_const1u
			st = append(st, uint64(r.u8()))
		case 0x09: // DW_OP_const1s
			st = append(st, uint64(int64(int8(r.u8()))))
		case 0x0a:
			st = append(st, uint64(r.u16()))
		case 0x0b:
			st = append(st, uint64(int64(int16(r.u16()))))
		case 0x0c:
			st = append(st, uint64(r.u32()))
		case 0x0d:
			st = append(st, uint64(int64(int32(r.u32()))))
		case 0x0e, 0x0f:
			st = append(st, r.u64())
		case 0x10: // DW_OP_constu
			st = append(st, r.uleb())
		case 0x11: // DW_OP_consts
			st = append(st, uint64(r.sleb()))
		case 0x12: // DW_OP_dup
			if len(st) < 1 {
				return 0, underflow
			}
			st = append(st, st[len(st)-1])
		case 0x13: // DW_OP_drop
			if _, ok := pop(); !ok {
				return 0, underflow
			}
		case 0x14: // DW_OP_over
			if len(st) < 2 {
				return 0, underflow
			}
			st = append(st, st[len(st)-2])
		case 0x15: // DW_OP_pick
			i := int(r.u8())
			if i >= len(st) {
				return 0, underflow
			}
			st = append(st, st[len(st)-1-i])
		case 0x16: // DW_OP_swap
			if len(st) < 2 {
				return 0, underflow
			}
			n := len(st)
			st[n-1], st[n-2] = st[n-2], st[n-1]
		case 0x17: // DW_OP_rot
			if len(st) < 3 {
				return 0, underflow
			}
			n := len(st)
			st[n-1], st[n-2], st[n-3] = st[n-2], st[n-3], st[n-1]
		case 0x19: // DW_OP_abs
			if len(st) < 1 {
				return 0, underflow
			}
			if v := int64(st[len(st)-1]); v < 0 {
				st[len(st)-1] = uint64(-v)
			}
		case 0x1f: // DW_OP_neg
			if len(st) < 1 {
				return 0, underflow
			}
			st[len(st)-1] = -st[len(st)-1]
		case 0x20: // DW_OP_not
			if len(st) < 1 {
				return 0, underflow
			}
			st[len(st)-1] = ^st[len(st)-1]
		case 0x23: // DW_OP_plus_uconst
			if len(st) < 1 {
				return 0, underflow
			}
			st[len(st)-1] += r.uleb()
		case 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27,
			0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e:
			b, ok1 := pop()
			a, ok2 := pop()
			if !ok1 || !ok2 {
				return 0, underflow
			}
			v, err := binop(op, a, b)
			if err != nil {
				return 0, err
			}
			st = append(st, v)
		case 0x2f, 0x28: // DW_OP_skip, DW_OP_bra
			off := int(int16(r.u16()))
			if op == 0x28 {
				v, ok := pop()
				if !ok {
					return 0, underflow
				}
				if v == 0 {
					break
				}
			}
			to := r.off + off
			if to < 0 || to > len(code) {
				return 0, fmt.Errorf("expression branch out of range: %w", ErrMalformed)
			}
			r.off = to
		case 0x92: // DW_OP_bregx
			reg := r.uleb()
			off := r.sleb()
			v, ok := regs.get(reg)
			if !ok {
				return 0, fmt.Errorf("DW_OP_bregx %d: register not known: %w", reg, ErrUnsupported)
			}
			st = append(st, v+uint64(off))
		case 0x96: // DW_OP_nop
		default:
			return 0, fmt.Errorf("DW_OP %#x: %w", op, ErrUnsupported)
		}
		if r.err != nil {
			return 0, r.err
		}
	}
	if r.err != nil {
		return 0, r.err
	}
	v, ok := pop()
	if !ok {
		return 0, underflow
	}
	return v, nil
}

func binop(op uint8, a, b uint64) (uint64, error) {
	bool2 := func(c bool) uint64 {
		if c {
			return 1
		}
		return 0
	}
	switch op {
	case 0x1a:
		return a & b, nil
	case 0x1b:
		if b == 0 || int64(a) == -1<<63 && int64(b) == -1 {
			return 0, fmt.Errorf("DW_OP_div by zero: %w", ErrMalformed)
		}
		return uint64(int64(a) / int64(b)), nil
	case 0x1c:
		return a - b, nil
	case 0x1d:
		if b == 0 {
			return 0, fmt.Errorf("DW_OP_mod by zero: %w", ErrMalformed)
		}
		return a % b, nil
	case 0x1e:
		return a * b, nil
	case 0x21:
		return a | b, nil
	case 0x22:
		return a + b, nil
	case 0x24:
		if b >= 64 {
			return 0, nil
		}
		return a << b, nil
	case 0x25:
		if b >= 64 {
			return 0, nil
		}
		return a >> b, nil
	case 0x26:
		if b >= 64 {
			b = 63
		}
		return uint64(int64(a) >> b), nil
	case 0x27:
		return a ^ b, nil
	case 0x29:
		return bool2(a == b), nil
	case 0x2a:
		return bool2(int64(a) >= int64(b)), nil
	case 0x2b:
		return bool2(int64(a) > int64(b)), nil
	case 0x2c:
		return bool2(int64(a) <= int64(b)), nil
	case 0x2d:
		return bool2(int64(a) < int64(b)), nil
	default: // 0x2e
		return bool2(a != b), nil
	}
}
