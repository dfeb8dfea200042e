package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkDecodeFormat is the decoding half of the per-event hot path of
// `sctrace-lua trace`: decode at entry, exit, and the strace line, for a
// few common calls (tracee memory is the in-process fake, so this is the
// decoder's own cost, not process_vm_readv's).
func BenchmarkDecodeFormat(b *testing.B) {
	m := newMem()
	path := m.str(0x1000, "/usr/lib/x86_64-linux-gnu/libc.so.6")
	buf := m.put(0x2000, []byte("hello, sctrace-lua\n"))
	sa := m.put(0x3000, []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	cases := []struct {
		name string
		nr   string
		args [6]uint64
		ret  int64
	}{
		{"openat", "openat", [6]uint64{uint64(^uint64(99)), path, unix.O_RDONLY | unix.O_CLOEXEC}, 3},
		{"read", "read", [6]uint64{3, buf, 4096}, 19},
		{"connect", "connect", [6]uint64{3, sa, 16}, -int64(unix.ECONNREFUSED)},
		{"getppid", "getppid", [6]uint64{}, 1},
	}
	o := Options{}
	for _, c := range cases {
		nr, ok := Number(c.nr)
		if !ok {
			b.Fatalf("no syscall %s", c.nr)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				call := Decode(nr, c.args, m, o)
				call.Exit(c.ret, m, o)
				_ = call.Format()
			}
		})
	}
}
