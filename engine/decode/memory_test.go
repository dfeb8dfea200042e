package decode

import (
	"encoding/binary"
	"errors"
	"sort"
	"unsafe"
)

// fakeMem is tracee memory made of regions; everything else is unmapped.
type fakeMem struct {
	regions map[uint64][]byte
	fds     map[int]string
	cwd     string
}

func newMem() *fakeMem { return &fakeMem{regions: map[uint64][]byte{}, fds: map[int]string{}} }

var errFault = errors.New("bad address")

func (m *fakeMem) find(addr uint64) []byte {
	bases := make([]uint64, 0, len(m.regions))
	for b := range m.regions {
		bases = append(bases, b)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	for _, b := range bases {
		r := m.regions[b]
		if addr >= b && addr-b < uint64(len(r)) {
			return r[addr-b:]
		}
	}
	return nil
}

func (m *fakeMem) ReadMemory(addr uint64, b []byte) (int, error) {
	r := m.find(addr)
	if r == nil {
		return 0, errFault
	}
	return copy(b, r), nil
}

func (m *fakeMem) ReadString(addr uint64, max int) (string, bool, error) {
	r := m.find(addr)
	if r == nil {
		return "", false, errFault
	}
	for i, c := range r {
		if i == max {
			return string(r[:i]), true, nil
		}
		if c == 0 {
			return string(r[:i]), false, nil
		}
	}
	if len(r) > max {
		return string(r[:max]), true, nil
	}
	return string(r), true, nil
}

func (m *fakeMem) FdPath(fd int) (string, error) {
	if p, ok := m.fds[fd]; ok {
		return p, nil
	}
	return "", errFault
}

type cwdMem struct{ *fakeMem }

func (m cwdMem) Cwd() (string, error) { return m.cwd, nil }

func (m *fakeMem) put(addr uint64, b []byte) uint64 {
	m.regions[addr] = append([]byte(nil), b...)
	return addr
}

func (m *fakeMem) str(addr uint64, s string) uint64 { return m.put(addr, append([]byte(s), 0)) }

func (m *fakeMem) words(addr uint64, ws ...uint64) uint64 {
	b := make([]byte, 8*len(ws))
	for i, w := range ws {
		binary.NativeEndian.PutUint64(b[8*i:], w)
	}
	return m.put(addr, b)
}

func (m *fakeMem) int32s(addr uint64, vs ...int32) uint64 {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.NativeEndian.PutUint32(b[4*i:], uint32(v))
	}
	return m.put(addr, b)
}

// structBytes is the memory image of a fixed-layout struct.
func structBytes[T any](v *T) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))...)
}
