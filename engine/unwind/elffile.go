package unwind

import (
	"debug/elf"
	"fmt"
	"io"
	"sort"
)

// Limits on the ELF files parsed: a larger section is ignored (the file
// then has no CFI or no symbols from it).
const (
	maxSectionBytes = 64 << 20
	maxSymbols      = 1 << 21
)

// object is what the unwinder keeps of one ELF file.
type object struct {
	typ   elf.Type
	loads []elf.ProgHeader
	cfi   []*cfiSection // .eh_frame, then .debug_frame
	idx   [][]fdeRef    // per cfi section, built on first use
	built bool
	syms  []symbol // FUNC symbols sorted by value, stable
	// rows: the CFI row computed at an address, with its FDE; the same
	// return addresses come back on every walk.
	rows map[uint64]cachedRow
}

type cachedRow struct {
	row *row
	fde *fde
}

const maxCachedRows = 1 << 14

// rowAt is the CFI row in effect at vaddr and its FDE (ErrNoFDE when no
// FDE covers it).
func (o *object) rowAt(vaddr uint64) (*row, *fde, error) {
	if c, ok := o.rows[vaddr]; ok {
		return c.row, c.fde, nil
	}
	sec, f, err := o.fdeFor(vaddr)
	if err != nil {
		return nil, nil, err
	}
	rw, err := rowFor(sec, f, vaddr)
	if err != nil {
		return nil, nil, err
	}
	if o.rows == nil || len(o.rows) >= maxCachedRows {
		o.rows = map[uint64]cachedRow{}
	}
	o.rows[vaddr] = cachedRow{rw, f}
	return rw, f, nil
}

type symbol struct {
	value uint64
	name  string
}

// loadObject parses an ELF file; a crafted file yields an error, never a
// panic (debug/elf's own included).
func loadObject(r io.ReaderAt) (obj *object, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("parsing ELF: %v: %w", p, ErrMalformed)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("ELF class %v, %v: %w", f.Class, f.Data, ErrUnsupported)
	}
	o := &object{typ: f.Type}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			o.loads = append(o.loads, p.ProgHeader)
		}
	}
	for _, name := range []string{".eh_frame", ".debug_frame"} {
		s := f.Section(name)
		if s == nil || s.Type == elf.SHT_NOBITS || s.Size > maxSectionBytes || s.Flags&elf.SHF_COMPRESSED != 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		o.cfi = append(o.cfi, &cfiSection{data: data, addr: s.Addr, eh: name == ".eh_frame", cies: map[int]*cie{}})
	}
	// Symbols as libunwind looks them up: every symbol table in section
	// order, FUNC symbols that are defined; among equal values the first
	// seen wins.
	total := uint64(0)
	for _, s := range f.Sections {
		if s.Type != elf.SHT_SYMTAB && s.Type != elf.SHT_DYNSYM {
			continue
		}
		total += s.Size
		if s.Size > maxSectionBytes || total > 2*maxSectionBytes {
			continue
		}
		var syms []elf.Symbol
		if s.Type == elf.SHT_SYMTAB {
			syms, err = f.Symbols()
		} else {
			syms, err = f.DynamicSymbols()
		}
		if err != nil {
			continue
		}
		for _, y := range syms {
			if elf.ST_TYPE(y.Info) != elf.STT_FUNC || y.Section == elf.SHN_UNDEF || y.Value == 0 {
				continue
			}
			if len(o.syms) >= maxSymbols {
				break
			}
			o.syms = append(o.syms, symbol{value: y.Value, name: y.Name})
		}
	}
	sort.SliceStable(o.syms, func(i, j int) bool { return o.syms[i].value < o.syms[j].value })
	return o, nil
}

// symbol is the function nearest at or below vaddr (an ELF virtual
// address), as libunwind names frames: sizes are not checked.
func (o *object) symbol(vaddr uint64) (symbol, bool) {
	i := sort.Search(len(o.syms), func(i int) bool { return o.syms[i].value > vaddr }) - 1
	if i < 0 {
		return symbol{}, false
	}
	for i > 0 && o.syms[i-1].value == o.syms[i].value {
		i--
	}
	return o.syms[i], true
}

// fdeFor finds the frame description covering vaddr, .eh_frame first.
func (o *object) fdeFor(vaddr uint64) (*cfiSection, *fde, error) {
	if !o.built {
		o.built = true
		o.idx = make([][]fdeRef, len(o.cfi))
		for i, s := range o.cfi {
			o.idx[i] = s.index()
		}
	}
	for i, s := range o.cfi {
		if ref, ok := find(o.idx[i], vaddr); ok {
			f, err := s.fdeAt(ref.off)
			if err != nil {
				return nil, nil, err
			}
			return s, f, nil
		}
	}
	return nil, nil, ErrNoFDE
}

// biasFor is what the mapping m adds to the file's virtual addresses: the
// load segment holding m's file offset says which vaddr m.start is.
func (o *object) biasFor(m *mapping) (uint64, bool) {
	for _, p := range o.loads {
		lo := p.Off &^ 0xfff
		if m.off >= lo && m.off < p.Off+p.Filesz {
			return m.start - m.off - (p.Vaddr - p.Off), true
		}
	}
	return 0, false
}
