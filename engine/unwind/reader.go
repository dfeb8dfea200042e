package unwind

import (
	"encoding/binary"
	"fmt"
)

// reader decodes little-endian DWARF data; the first error sticks and
// every later read returns zero, so callers check err once.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("reading at %#x: %w", r.off, ErrMalformed)
	}
	r.off = len(r.b)
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) u8() uint8 {
	if r.left() < 1 {
		r.fail()
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16() uint16 {
	if r.left() < 2 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32() uint32 {
	if r.left() < 4 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) u64() uint64 {
	if r.left() < 8 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *reader) uleb() uint64 {
	var v uint64
	var shift uint
	for {
		b := r.u8()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= uint64(b&0x7f) << shift
		}
		shift += 7
		if b&0x80 == 0 {
			return v
		}
		if shift > 70 {
			r.fail()
			return 0
		}
	}
}

func (r *reader) sleb() int64 {
	var v int64
	var shift uint
	var b uint8
	for {
		b = r.u8()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= int64(b&0x7f) << shift
		}
		shift += 7
		if b&0x80 == 0 {
			break
		}
		if shift > 70 {
			r.fail()
			return 0
		}
	}
	if shift < 64 && b&0x40 != 0 {
		v |= -1 << shift
	}
	return v
}

// bytes returns the next n bytes (not copied).
func (r *reader) bytes(n uint64) []byte {
	if n > uint64(r.left()) {
		r.fail()
		return nil
	}
	v := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return v
}

// cstring reads a NUL-terminated string of at most max bytes (a CIE's
// augmentation): a hostile section must not make every parse scan it all.
func (r *reader) cstring(max int) string {
	for i := r.off; i < len(r.b) && i-r.off <= max; i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.off:i])
			r.off = i + 1
			return s
		}
	}
	r.fail()
	return ""
}

// Pointer encodings (DW_EH_PE_*), as .eh_frame uses them.
const (
	peAbsptr   = 0x00
	peUleb128  = 0x01
	peUdata2   = 0x02
	peUdata4   = 0x03
	peUdata8   = 0x04
	peSleb128  = 0x09
	peSdata2   = 0x0a
	peSdata4   = 0x0b
	peSdata8   = 0x0c
	pePcrel    = 0x10
	peTextrel  = 0x20
	peDatarel  = 0x30
	peFuncrel  = 0x40
	peAligned  = 0x50
	peIndirect = 0x80
	peOmit     = 0xff
)

// encoded reads a pointer in encoding enc; base is the address the
// section's byte 0 is loaded at (for pcrel). Only pcrel and absolute
// values are computed; textrel/datarel/funcrel are read and reported as
// unsupported. An indirect pointer is returned as its address (the caller
// only skips such values: personality routines).
func (r *reader) encoded(enc uint8, base uint64) (uint64, error) {
	if enc == peOmit {
		return 0, nil
	}
	pos := base + uint64(r.off)
	var v uint64
	switch enc & 0x0f {
	case peAbsptr, peUdata8:
		v = r.u64()
	case peUleb128:
		v = r.uleb()
	case peUdata2:
		v = uint64(r.u16())
	case peUdata4:
		v = uint64(r.u32())
	case peSleb128:
		v = uint64(r.sleb())
	case peSdata2:
		v = uint64(int64(int16(r.u16())))
	case peSdata4:
		v = uint64(int64(int32(r.u32())))
	case peSdata8:
		v = r.u64()
	default:
		return 0, fmt.Errorf("pointer encoding %#x: %w", enc, ErrUnsupported)
	}
	if r.err != nil {
		return 0, r.err
	}
	switch enc & 0x70 {
	case 0:
	case pePcrel:
		v += pos
	default:
		return v, fmt.Errorf("pointer application %#x: %w", enc&0x70, ErrUnsupported)
	}
	return v, nil
}

// skipEncoded reads past a pointer of encoding enc whatever its
// application.
func (r *reader) skipEncoded(enc uint8) {
	if enc == peOmit {
		return
	}
	switch enc & 0x0f {
	case peAbsptr, peUdata8, peSdata8:
		r.u64()
	case peUleb128:
		r.uleb()
	case peSleb128:
		r.sleb()
	case peUdata2, peSdata2:
		r.u16()
	case peUdata4, peSdata4:
		r.u32()
	default:
		r.fail()
	}
}
