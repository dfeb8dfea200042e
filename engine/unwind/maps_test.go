package unwind

import "testing"

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
