package decode

import "testing"

// The -x rules, checked against strace 6.1: -x turns a whole string to
// \xNN when one byte is neither printable ASCII nor \t \n \v \f \r; -xx
// always; --strings-in-hex=non-ascii-chars only those bytes.
func TestQuoteHexModes(t *testing.T) {
	for _, c := range []struct {
		in   string
		x    HexMode
		want string
	}{
		{"plain\t\"q\"\n", HexNonASCII, `"plain\t\"q\"\n"`},
		{"a\tb\n\x01c\n", HexNonASCII, `"\x61\x09\x62\x0a\x01\x63\x0a"`},
		{"caf\xc3\xa9", HexNonASCII, `"\x63\x61\x66\xc3\xa9"`},
		{"a\x7f", HexNonASCII, `"\x61\x7f"`},
		{"\v\f\r", HexNonASCII, `"\v\f\r"`},
		{"\x08", HexNonASCII, `"\x08"`},
		{"", HexNonASCII, `""`},
		{"plain\t\"q\"\n", HexAll, `"\x70\x6c\x61\x69\x6e\x09\x22\x71\x22\x0a"`},
		{"a\tb\n\x01c\n", HexNonASCIIChars, `"a\tb\n\x01c\n"`},
		{"\x1b7\\", HexNonASCIIChars, `"\x1b7\\"`},
		{"\x1b7", HexNone, `"\0337"`},
	} {
		if got := quote([]byte(c.in), quoteStyle{x: c.x}); got != c.want {
			t.Errorf("quote(%q, x=%d) = %s, want %s", c.in, c.x, got, c.want)
		}
	}
	// -y's path escapes "<>" but -x still decides on the whole path.
	st := quoteStyle{x: HexNonASCII, noQuotes: true, escape: "<>"}
	if got := quote([]byte("/tmp/a<b>"), st); got != `/tmp/a\74b\76` {
		t.Errorf("-x -y ASCII path = %s", got)
	}
	if got := quote([]byte("/tmp/\xc3\xa9"), st); got != `\x2f\x74\x6d\x70\x2f\xc3\xa9` {
		t.Errorf("-x -y non-ASCII path = %s", got)
	}
}

func TestHexOptionsReachDecoders(t *testing.T) {
	runCases(t, []tcase{
		{name: "write -x", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 3},
			mem: func(m *fakeMem) { m.put(bufA, []byte("a\x01b")) }, ret: r(3), o: Options{Hex: HexNonASCII},
			want: `write(1, "\x61\x01\x62", 3) = 3`},
		{name: "write -x printable", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 3},
			mem: func(m *fakeMem) { m.put(bufA, []byte("a\nb")) }, ret: r(3), o: Options{Hex: HexNonASCII},
			want: `write(1, "a\nb", 3) = 3`},
		{name: "openat -xx", sys: "openat", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufA},
			mem: func(m *fakeMem) { m.str(bufA, "/a") }, ret: r(3), o: Options{Hex: HexAll},
			want: `openat(AT_FDCWD, "\x2f\x61", O_RDONLY) = 3`},
		{name: "write -xx -y", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 1},
			mem: func(m *fakeMem) { m.put(bufA, []byte("h")); m.fds[1] = "/t" }, ret: r(1), o: Options{Hex: HexAll, FdPaths: true},
			want: `write(1<\x2f\x74>, "\x68", 1) = 1`},
	})
}
