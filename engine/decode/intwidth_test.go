package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Int-typed arguments carry junk above bit 31 (strace's tests put
// 0xbadc0ded or 0xffff0000 there on purpose); the kernel and strace read
// only the C type's width. Expected lines are from strace 6.1's umask,
// mkdir, getrlimit, prlimit64 and clock_xettime tests.
func TestIntWidth(t *testing.T) {
	const junk = 0xbadc0ded_00000000
	runCases(t, []tcase{
		{name: "umask drops bits above umode_t", sys: "umask", args: map[string]uint64{"mask": 0xffff0000 | 0o26}, ret: r(6),
			want: `umask(026) = 006`},
		{name: "umask all ones", sys: "umask", args: map[string]uint64{"mask": ^uint64(0)}, ret: r(0o777),
			want: `umask(0177777) = 0777`},
		{name: "mkdir mode is umode_t", sys: "mkdir", args: map[string]uint64{"pathname": bufA, "mode": 0xffff0000 | 0o40006},
			mem: func(m *fakeMem) { m.str(bufA, "d") }, ret: r(-int64(unix.EEXIST)),
			want: `mkdir("d", 040006) = -1 EEXIST (File exists)`},
		{name: "getrlimit enum with junk", sys: "getrlimit", args: map[string]uint64{"resource": junk | unix.RLIMIT_NOFILE, "rlim": 0}, ret: r(-int64(unix.EFAULT)),
			want: `getrlimit(RLIMIT_NOFILE, NULL) = -1 EFAULT (Bad address)`},
		{name: "getrlimit unknown with junk", sys: "getrlimit", args: map[string]uint64{"resource": junk | 16, "rlim": 0}, ret: r(-int64(unix.EINVAL)),
			want: `getrlimit(0x10 /* RLIMIT_??? */, NULL) = -1 EINVAL (Invalid argument)`},
		{name: "prlimit64 resource with junk", sys: "prlimit64", args: map[string]uint64{"pid": junk | 7, "resource": junk | unix.RLIMIT_CPU}, ret: r(0),
			want: `prlimit64(7, RLIMIT_CPU, NULL, NULL) = 0`},
		{name: "clock id with junk", sys: "clock_gettime", args: map[string]uint64{"clockid": junk | unix.CLOCK_MONOTONIC, "tp": 0}, ret: r(-int64(unix.EFAULT)),
			want: `clock_gettime(CLOCK_MONOTONIC, NULL) = -1 EFAULT (Bad address)`},
		{name: "tv_nsec is printed unsigned", sys: "clock_settime", args: map[string]uint64{"clockid": unix.CLOCK_THREAD_CPUTIME_ID, "tp": bufA},
			mem:  func(m *fakeMem) { m.words(bufA, 0xcafef00ddeadbeef, 0xbadc0dedfacefeed) },
			ret:  r(-int64(unix.EINVAL)),
			want: `clock_settime(CLOCK_THREAD_CPUTIME_ID, {tv_sec=-3819351491602432273, tv_nsec=13464652301697220333}) = -1 EINVAL (Invalid argument)`},
		{name: "whence with junk", sys: "lseek", args: map[string]uint64{"fd": junk | 3, "offset": 0, "whence": junk | unix.SEEK_END}, ret: r(0),
			want: `lseek(3, 0, SEEK_END) = 0`},
		{name: "int flags with junk", sys: "pipe2", args: map[string]uint64{"pipefd": 0, "flags": junk | unix.O_CLOEXEC}, ret: r(-int64(unix.EFAULT)),
			want: `pipe2(NULL, O_CLOEXEC) = -1 EFAULT (Bad address)`},
	})
}

// The decoded value of an int-sized enum is the C int: RUSAGE_CHILDREN is
// -1 whatever the upper half of the register holds.
func TestIntEnumValue(t *testing.T) {
	sig := byName()["getrusage"]
	if sig == nil {
		t.Skip("no getrusage")
	}
	var args [6]uint64
	args[0] = 0xbadc0ded_ffffffff
	c := Decode(sig.nr, args, newMem(), Options{})
	if got := c.Args[0].Value; got != int64(-1) {
		t.Errorf("getrusage who = %#v, want int64(-1)", got)
	}
	if got := c.Args[0].Text; got != "RUSAGE_CHILDREN" {
		t.Errorf("getrusage who text = %q, want RUSAGE_CHILDREN", got)
	}
}
