package unwind

import (
	"bytes"
	"os"
	"testing"
)

func TestParseMaps(t *testing.T) {
	data := []byte(`55d1af000000-55d1af002000 r--p 00000000 08:01 1234 /usr/bin/true
55d1af002000-55d1af006000 r-xp 00002000 08:01 1234 /usr/bin/true
55d1af006000-55d1af008000 rw-p 00000000 00:00 0
7f0000000000-7f0000001000 r-xp 00001000 fd:02 99 /tmp/a dir/lib (deleted)
7f0000000000-7f0000001000 r-xp 00001000 fd:02 99 /tmp/duplicate
7effffff0000-7f0000000800 r-xp 00000000 fd:02 98 /tmp/overlap
7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0 [vdso]
garbage line
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
`)
	m := parseMaps(data)
	if len(m) != 5 {
		for _, x := range m {
			t.Logf("%+v", *x)
		}
		t.Fatalf("%d mappings, want 5", len(m))
	}
	if m[1].start != 0x55d1af002000 || m[1].off != 0x2000 || !m[1].exec || m[1].dev != "08:01" || m[1].inode != 1234 || m[1].path != "/usr/bin/true" {
		t.Errorf("text mapping %+v", *m[1])
	}
	if m[0].exec {
		t.Error("r--p is executable")
	}
	if m[2].path != "/tmp/a dir/lib (deleted)" {
		t.Errorf("path with spaces: %q", m[2].path)
	}
	if m[3].path != "[vdso]" || m[4].path != "[vsyscall]" {
		t.Errorf("named mappings %q %q", m[3].path, m[4].path)
	}
	for _, c := range []struct {
		addr uint64
		want int
	}{{0x55d1af000000, 0}, {0x55d1af005fff, 1}, {0x55d1af006000, -1}, {0x7f0000000fff, 2}, {0x10, -1}} {
		got := lookup(m, c.addr)
		if c.want < 0 && got != nil || c.want >= 0 && got != m[c.want] {
			t.Errorf("lookup %#x = %+v, want #%d", c.addr, got, c.want)
		}
	}
}

func TestDevString(t *testing.T) {
	// makedev(8, 1) and makedev(259, 2), the kernel's encoding.
	if s := devString(0x801); s != "08:01" {
		t.Errorf("dev 0x801 = %q", s)
	}
	if s := devString(259<<8 | 2); s != "103:02" {
		t.Errorf("dev 259:2 = %q", s)
	}
}

// limitMem is patternMem up to limit, unreadable from there; it counts
// the reads that reach it.
type limitMem struct {
	limit uint64
	reads *int
}

func (m limitMem) ReadMemory(addr uint64, b []byte) (int, error) {
	*m.reads++
	if addr >= m.limit {
		return 0, os.ErrInvalid
	}
	n := len(b)
	if addr+uint64(n) > m.limit {
		n = int(m.limit - addr)
	}
	patternMem{}.ReadMemory(addr, b[:n])
	return n, nil
}

// blockMem answers exactly as the memory below it, with fewer reads.
func TestBlockMem(t *testing.T) {
	reads := 0
	under := limitMem{limit: 0x10300, reads: &reads}
	c := &blockMem{mem: under}
	for _, addr := range []uint64{0x10000, 0x10008, 0x101f8, 0x101fc, 0x10200, 0x102f8, 0x102fc, 0x10300, 0xfff8} {
		for _, size := range []int{1, 4, 8} {
			got, want := make([]byte, size), make([]byte, size)
			r := 0
			n1, err1 := c.ReadMemory(addr, got)
			n2, err2 := limitMem{limit: under.limit, reads: &r}.ReadMemory(addr, want)
			if n1 != n2 || (err1 == nil) != (err2 == nil) || !bytes.Equal(got[:n1], want[:n2]) {
				t.Errorf("read %d at %#x: %d % x %v, want %d % x %v", size, addr, n1, got[:n1], err1, n2, want[:n2], err2)
			}
		}
	}
	var b [8]byte
	c.ReadMemory(0x10000, b[:]) // the block, fetched once
	before := reads
	for i := 0; i < 64; i++ {
		c.ReadMemory(0x10000+uint64(i*8), b[:])
	}
	if reads != before {
		t.Errorf("%d reads of a cached block", reads-before)
	}
}
