package unwind

import (
	"fmt"
	"sort"
)

// Limits on what a file may make the unwinder do.
const (
	maxFDEs       = 1 << 20 // frame descriptions indexed per section
	maxStateStack = 64      // DW_CFA_remember_state depth
	maxCIEs       = 1 << 14 // distinct CIEs cached per section
	maxAugString  = 32      // a CIE's augmentation string
	maxCFIOps     = 1 << 16 // CFI instructions run to compute one row
)

// cie is a Common Information Entry: what its FDEs share.
type cie struct {
	codeAlign uint64
	dataAlign int64
	ra        uint64 // the return address column
	fdeEnc    uint8  // 'R'; absptr without it
	lsdaEnc   uint8  // 'L'
	hasAug    bool   // 'z': FDEs carry an augmentation length
	signal    bool   // 'S': a signal trampoline
	addrSize  int    // .debug_frame: the size of addresses
	initial   []byte // initial instructions
}

// fde is a Frame Description Entry: the CFI program for [lo, hi).
type fde struct {
	cie    *cie
	lo, hi uint64
	instr  []byte
}

// cfiSection is .eh_frame or .debug_frame, loaded at addr (the ELF
// virtual address of data[0]; pc-relative pointers are computed from it).
type cfiSection struct {
	data []byte
	addr uint64
	eh   bool
	cies map[int]*cie
	bad  map[int]error // CIEs that did not parse, so each is tried once
}

type fdeRef struct {
	lo, hi uint64
	off    int
}

// entry reads the header of the entry at off: where its body starts and
// ends, the CIE id (or CIE pointer) and the offset of that id field.
// end == 0 means the section's terminator.
func (s *cfiSection) entry(off int) (id uint64, idPos, end int, is64 bool, err error) {
	r := reader{b: s.data, off: off}
	length := uint64(r.u32())
	if r.err != nil {
		return 0, 0, 0, false, r.err
	}
	if length == 0 {
		return 0, 0, 0, false, nil
	}
	if length == 0xffffffff {
		is64 = true
		length = r.u64()
	} else if length >= 0xfffffff0 {
		return 0, 0, 0, false, fmt.Errorf("entry length %#x at %#x: %w", length, off, ErrMalformed)
	}
	if r.err != nil || length > uint64(r.left()) {
		return 0, 0, 0, false, fmt.Errorf("entry at %#x runs past the section: %w", off, ErrMalformed)
	}
	end = r.off + int(length)
	idPos = r.off
	if is64 {
		id = r.u64()
	} else {
		id = uint64(r.u32())
	}
	if r.err != nil || r.off > end {
		return 0, 0, 0, false, fmt.Errorf("entry at %#x: %w", off, ErrMalformed)
	}
	return id, idPos, end, is64, nil
}

func (s *cfiSection) isCIE(id uint64, is64 bool) bool {
	if s.eh {
		return id == 0
	}
	if is64 {
		return id == ^uint64(0)
	}
	return id == 0xffffffff
}

// cieAt parses (once) the CIE at off.
func (s *cfiSection) cieAt(off int) (*cie, error) {
	if c := s.cies[off]; c != nil {
		return c, nil
	}
	if err := s.bad[off]; err != nil {
		return nil, err
	}
	c, err := s.parseCIE(off)
	if len(s.cies)+len(s.bad) >= maxCIEs {
		s.cies, s.bad = map[int]*cie{}, nil
	}
	if err != nil {
		if s.bad == nil {
			s.bad = map[int]error{}
		}
		s.bad[off] = err
		return nil, err
	}
	s.cies[off] = c
	return c, nil
}

func (s *cfiSection) parseCIE(off int) (*cie, error) {
	id, idPos, end, is64, err := s.entry(off)
	if err != nil {
		return nil, err
	}
	if end == 0 || !s.isCIE(id, is64) {
		return nil, fmt.Errorf("no CIE at %#x: %w", off, ErrMalformed)
	}
	r := reader{b: s.data[:end], off: idPos + 4}
	if is64 {
		r.off = idPos + 8
	}
	c := &cie{addrSize: 8}
	version := r.u8()
	if version != 1 && version != 3 && version != 4 {
		return nil, fmt.Errorf("CIE version %d: %w", version, ErrUnsupported)
	}
	aug := r.cstring(maxAugString)
	if version == 4 {
		c.addrSize = int(r.u8())
		if seg := r.u8(); seg != 0 || (c.addrSize != 4 && c.addrSize != 8) {
			return nil, fmt.Errorf("CIE address size %d, segment size %d: %w", c.addrSize, seg, ErrUnsupported)
		}
	}
	c.codeAlign = r.uleb()
	c.dataAlign = r.sleb()
	if version == 1 {
		c.ra = uint64(r.u8())
	} else {
		c.ra = r.uleb()
	}
	if r.err != nil {
		return nil, r.err
	}
	if aug != "" && aug[0] == 'z' {
		c.hasAug = true
		n := r.uleb()
		augData := r.bytes(n)
		if r.err != nil {
			return nil, r.err
		}
		ar := reader{b: augData}
		for _, ch := range aug[1:] {
			switch ch {
			case 'L':
				c.lsdaEnc = ar.u8()
			case 'R':
				c.fdeEnc = ar.u8()
			case 'P':
				ar.skipEncoded(ar.u8())
			case 'S':
				c.signal = true
			case 'B', 'G':
				// AArch64 BTI / MTE-tagged frames: nothing to unwind.
			default:
				return nil, fmt.Errorf("CIE augmentation %q: %w", aug, ErrUnsupported)
			}
			if ar.err != nil {
				return nil, fmt.Errorf("CIE augmentation data: %w", ar.err)
			}
		}
	} else if aug != "" {
		return nil, fmt.Errorf("CIE augmentation %q: %w", aug, ErrUnsupported)
	}
	if c.codeAlign == 0 {
		return nil, fmt.Errorf("CIE code alignment 0: %w", ErrMalformed)
	}
	c.initial = s.data[r.off:end]
	return c, nil
}

// fdeAt parses the FDE at off: its CIE, its range and its program.
func (s *cfiSection) fdeAt(off int) (*fde, error) {
	id, idPos, end, is64, err := s.entry(off)
	if err != nil {
		return nil, err
	}
	if end == 0 || s.isCIE(id, is64) {
		return nil, fmt.Errorf("no FDE at %#x: %w", off, ErrMalformed)
	}
	cieOff := int64(id)
	if s.eh {
		cieOff = int64(idPos) - int64(id)
	}
	if cieOff < 0 || cieOff >= int64(len(s.data)) || id > uint64(len(s.data)) {
		return nil, fmt.Errorf("FDE at %#x: CIE pointer out of the section: %w", off, ErrMalformed)
	}
	c, err := s.cieAt(int(cieOff))
	if err != nil {
		return nil, err
	}
	r := reader{b: s.data[:end], off: idPos + 4}
	if is64 {
		r.off = idPos + 8
	}
	f := &fde{cie: c}
	if s.eh {
		lo, err := r.encoded(c.fdeEnc, s.addr)
		if err != nil {
			return nil, err
		}
		n, err := r.encoded(c.fdeEnc&0x0f, 0)
		if err != nil {
			return nil, err
		}
		f.lo, f.hi = lo, lo+n
	} else {
		if c.addrSize == 4 {
			f.lo = uint64(r.u32())
			f.hi = f.lo + uint64(r.u32())
		} else {
			f.lo = r.u64()
			f.hi = f.lo + r.u64()
		}
	}
	if c.hasAug {
		r.bytes(r.uleb())
	}
	if r.err != nil {
		return nil, r.err
	}
	if f.hi < f.lo {
		return nil, fmt.Errorf("FDE at %#x: range wraps: %w", off, ErrMalformed)
	}
	f.instr = s.data[r.off:end]
	return f, nil
}

// index lists the section's FDEs sorted by start address. A malformed
// entry is skipped when its length is sound; the scan ends where the
// lengths stop making sense.
func (s *cfiSection) index() []fdeRef {
	var out []fdeRef
	for off := 0; off < len(s.data) && len(out) < maxFDEs; {
		id, _, end, is64, err := s.entry(off)
		if err != nil || end == 0 {
			if s.eh || err != nil {
				break
			}
		}
		if end <= off {
			break
		}
		if !s.isCIE(id, is64) {
			if f, err := s.fdeAt(off); err == nil && f.hi > f.lo {
				out = append(out, fdeRef{lo: f.lo, hi: f.hi, off: off})
			}
		}
		off = end
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}

// find is the FDE covering pc in a sorted index (the one starting
// nearest below pc; overlapping FDEs are not searched further).
func find(idx []fdeRef, pc uint64) (fdeRef, bool) {
	i := sort.Search(len(idx), func(i int) bool { return idx[i].lo > pc }) - 1
	if i >= 0 && pc < idx[i].hi {
		return idx[i], true
	}
	return fdeRef{}, false
}
