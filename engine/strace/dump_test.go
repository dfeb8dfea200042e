package strace

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// pagesMem is readable from base for size bytes, each byte its offset's
// low 8 bits.
type pagesMem struct{ base, size uint64 }

func (m pagesMem) ReadMemory(addr uint64, b []byte) (int, error) {
	if addr < m.base || addr >= m.base+m.size {
		return 0, errors.New("fault")
	}
	n := min(uint64(len(b)), m.base+m.size-addr)
	for i := uint64(0); i < n; i++ {
		b[i] = byte(addr - m.base + i)
	}
	return int(n), nil
}

func TestDumpBuf(t *testing.T) {
	var out bytes.Buffer
	dumpBuf(&out, pagesMem{0x1000, 0x100}, 7, 0x1000, 20)
	want := " | 00000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................ |\n" +
		" | 00010  10 11 12 13                                       ....             |\n"
	if out.String() != want {
		t.Errorf("dump:\n%s\nwant:\n%s", out.String(), want)
	}

	// strace reads 64 KiB at a time: the part past the end of memory is
	// one "Cannot fetch" line after the lines it could print.
	out.Reset()
	dumpBuf(&out, pagesMem{0x10000, 0x10000}, 7, 0x10000, 0x10002)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 0x1000+1 {
		t.Fatalf("%d lines", len(lines))
	}
	if got := lines[len(lines)-1]; got != " | <Cannot fetch 2 bytes from pid 7 @0x20000>" {
		t.Errorf("last line %q", got)
	}
	if got := lines[0x1000-1]; !strings.HasPrefix(got, " | 0fff0  f0 f1") {
		t.Errorf("last data line %q", got)
	}

	// Unreadable from the start: nothing, as strace.
	out.Reset()
	dumpBuf(&out, pagesMem{0x10000, 0x10}, 7, 0x20000, 4)
	if out.Len() != 0 {
		t.Errorf("unreadable dump printed %q", out.String())
	}
	// More than 1 MiB: the offset grows to the digits len-1 needs.
	out.Reset()
	dumpBuf(&out, pagesMem{0x100000, 0x200000}, 7, 0x100000, 0x100001)
	if !strings.HasPrefix(out.String(), " | 000000  00 01") {
		t.Errorf("wide offsets: %q", out.String()[:40])
	}
}
