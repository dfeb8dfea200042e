package decode

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestFsDecoders(t *testing.T) {
	proc := unix.Statfs_t{Type: unix.PROC_SUPER_MAGIC, Bsize: 4096, Namelen: 255, Frsize: 4096, Flags: 0x20 | unix.ST_RELATIME}
	proc.Fsid.Val = [2]int32{0x15, 0}
	odd := unix.Statfs_t{Type: 0x12345, Bsize: 512, Blocks: 10, Bfree: 9, Bavail: 8, Files: 7, Ffree: 6, Namelen: 14, Frsize: 512, Flags: unix.ST_RDONLY}
	odd.Fsid.Val = [2]int32{-1, 1}
	runCases(t, []tcase{
		{name: "fstatfs proc", sys: "fstatfs", args: map[string]uint64{"fd": 3, "buf": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&proc)) }, ret: r(0),
			want: "fstatfs(3, {f_type=PROC_SUPER_MAGIC, f_bsize=4096, f_blocks=0, f_bfree=0, f_bavail=0, f_files=0, f_ffree=0, f_fsid={val=[0x15, 0]}, f_namelen=255, f_frsize=4096, f_flags=ST_VALID|ST_RELATIME}) = 0"},
		{name: "statfs unknown type, flags not valid", sys: "statfs", args: map[string]uint64{"path": bufB, "buf": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&odd)); m.str(bufB, "/") }, ret: r(0),
			want: `statfs("/", {f_type=0x12345, f_bsize=512, f_blocks=10, f_bfree=9, f_bavail=8, f_files=7, f_ffree=6, f_fsid={val=[0xffffffff, 0x1]}, f_namelen=14, f_frsize=512}) = 0`},
		{name: "fstatfs failed", sys: "fstatfs", args: map[string]uint64{"fd": 0xffffffff, "buf": 0}, ret: r(-int64(unix.EBADF)),
			want: "fstatfs(-1, NULL) = -1 EBADF (Bad file descriptor)"},
		{name: "fstatfs unreadable", sys: "fstatfs", args: map[string]uint64{"fd": 3, "buf": bufA + 1}, ret: r(0),
			want: "fstatfs(3, 0x1001) = 0"},
		{name: "mkdir mode is 16 bits", sys: "mkdir", args: map[string]uint64{"pathname": bufA, "mode": 0xffff0000 | 0o600},
			mem: func(m *fakeMem) { m.str(bufA, "d") }, ret: r(-int64(unix.EEXIST)),
			want: `mkdir("d", 0600) = -1 EEXIST (File exists)`},
		{name: "mkdirat all mode bits", sys: "mkdirat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufA, "mode": 0xffffffff},
			mem: func(m *fakeMem) { m.str(bufA, "d") }, ret: r(0),
			want: `mkdirat(AT_FDCWD, "d", 0177777) = 0`},
		{name: "faccessat unknown mode", sys: "faccessat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": 0, "mode": 8}, ret: r(-int64(unix.EINVAL)),
			want: "faccessat(AT_FDCWD, NULL, 0x8 /* ?_OK */) = -1 EINVAL (Invalid argument)"},
		{name: "dup3 open flags", sys: "dup3", args: map[string]uint64{"oldfd": 0xfffffffd, "newfd": 0, "flags": unix.O_TRUNC | unix.O_CLOEXEC}, ret: r(-int64(unix.EINVAL)),
			want: "dup3(-3, 0, O_TRUNC|O_CLOEXEC) = -1 EINVAL (Invalid argument)"},
		{name: "dup3 unknown flag", sys: "dup3", args: map[string]uint64{"oldfd": 7, "newfd": 0xfffffffa, "flags": 2}, ret: r(-int64(unix.EINVAL)),
			want: "dup3(7, -6, 0x2 /* O_??? */) = -1 EINVAL (Invalid argument)"},
		{name: "close_range unknown flag", sys: "close_range", args: map[string]uint64{"first": 7, "last": 7, "flags": 8}, ret: r(-int64(unix.EINVAL)),
			want: "close_range(7, 7, 0x8 /* CLOSE_RANGE_??? */) = -1 EINVAL (Invalid argument)"},
		{name: "mmap flags 0", sys: "mmap", args: map[string]uint64{"addr": 0, "length": 0, "prot": 0, "flags": 0, "fd": 0, "offset": 0}, ret: r(-int64(unix.EBADF)),
			want: "mmap(NULL, 0, PROT_NONE, MAP_FILE, 0, 0) = -1 EBADF (Bad file descriptor)"},
		{name: "eventfd2 flag order", sys: "eventfd2", args: map[string]uint64{"initval": 0xffffffff, "flags": unix.EFD_SEMAPHORE | unix.EFD_CLOEXEC | unix.EFD_NONBLOCK}, ret: r(0),
			want: "eventfd2(4294967295, EFD_SEMAPHORE|EFD_CLOEXEC|EFD_NONBLOCK) = 0"},
		{name: "epoll_ctl del", sys: "epoll_ctl", args: map[string]uint64{"epfd": 0xfffffffd, "op": unix.EPOLL_CTL_DEL, "fd": 0xfffffffc, "event": bufA},
			mem: func(m *fakeMem) { m.put(bufA, make([]byte, 16)) }, ret: r(-int64(unix.EBADF)),
			want: "epoll_ctl(-3, EPOLL_CTL_DEL, -4, 0x1000) = -1 EBADF (Bad file descriptor)"},
	})
}

func TestSendfileUtimensat(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	defer func() { time.Local = saved }()
	off := func(v uint64) func(m *fakeMem) { return func(m *fakeMem) { m.words(bufA, v) } }
	runCases(t, []tcase{
		{name: "sendfile moved", sys: "sendfile", args: map[string]uint64{"out_fd": 4, "in_fd": 5, "offset": bufA, "count": 35499},
			mem: off(35499), ret: r(35499), // the memory at exit
			want: "sendfile(4, 5, [35499] => [35499], 35499) = 35499"},
		{name: "sendfile failed", sys: "sendfile", args: map[string]uint64{"out_fd": 4, "in_fd": 5, "offset": bufA, "count": 1},
			mem: off(0xcafef00dfacefeed), ret: r(-int64(unix.EINVAL)),
			want: "sendfile(4, 5, [14627392582579060461], 1) = -1 EINVAL (Invalid argument)"},
		{name: "sendfile returned 0", sys: "sendfile", args: map[string]uint64{"out_fd": 4, "in_fd": 5, "offset": bufA, "count": 1},
			mem: off(233811181), ret: r(0),
			want: "sendfile(4, 5, [233811181], 1) = 0"},
		{name: "sendfile unreadable", sys: "sendfile", args: map[string]uint64{"out_fd": 0, "in_fd": 1, "offset": bufB, "count": 4096}, ret: r(-int64(unix.EFAULT)),
			want: "sendfile(0, 1, 0x2000, 4096) = -1 EFAULT (Bad address)"},
		{name: "utimensat times", sys: "utimensat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufB, "times": bufA, "flags": unix.AT_SYMLINK_NOFOLLOW},
			mem: func(m *fakeMem) { m.words(bufA, 1492358706, 123456789, 0, 0); m.str(bufB, "f") }, ret: r(0),
			want: `utimensat(AT_FDCWD, "f", [{tv_sec=1492358706, tv_nsec=123456789} /* 2017-04-16T16:05:06.123456789+0000 */, {tv_sec=0, tv_nsec=0}], AT_SYMLINK_NOFOLLOW) = 0`},
		{name: "utimensat bad nsec, huge sec", sys: "utimensat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufB, "times": bufA, "flags": 0},
			mem: func(m *fakeMem) { m.words(bufA, ^uint64(0), 2000000000, 0xcafef00ddeadbeef, 0); m.str(bufB, "f") }, ret: r(0),
			want: `utimensat(AT_FDCWD, "f", [{tv_sec=-1, tv_nsec=2000000000}, {tv_sec=-3819351491602432273, tv_nsec=0}], 0) = 0`},
		{name: "utimensat year wraps as glibc's", sys: "utimensat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufB, "times": bufA, "flags": 0},
			mem: func(m *fakeMem) { m.words(bufA, 67768036191676799, 0, 67768036191676800, 0); m.str(bufB, "f") }, ret: r(0),
			want: `utimensat(AT_FDCWD, "f", [{tv_sec=67768036191676799, tv_nsec=0} /* -2147481749-12-31T23:59:59+0000 */, {tv_sec=67768036191676800, tv_nsec=0}], 0) = 0`},
		{name: "utimensat now/omit", sys: "utimensat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufB, "times": bufA, "flags": 0},
			mem: func(m *fakeMem) { m.words(bufA, 1, unix.UTIME_NOW, 2, unix.UTIME_OMIT); m.str(bufB, "f") }, ret: r(0),
			want: `utimensat(AT_FDCWD, "f", [UTIME_NOW, UTIME_OMIT], 0) = 0`},
		{name: "utimensat unreadable", sys: "utimensat", args: map[string]uint64{"dirfd": 0xffffff9c, "pathname": bufB, "times": bufA + 0x10, "flags": 0},
			mem: func(m *fakeMem) { m.words(bufA, 1, 2, 3); m.str(bufB, "f") }, ret: r(-int64(unix.EFAULT)),
			want: `utimensat(AT_FDCWD, "f", 0x1010, 0) = -1 EFAULT (Bad address)`},
	})
}

// sendfile's offset is read at entry and again at exit: the kernel moves it.
func TestSendfileOffsetMoves(t *testing.T) {
	sig := byName()["sendfile"]
	m := newMem()
	m.words(bufA, 35499)
	c := Decode(sig.nr, [6]uint64{4, 5, bufA, 53249}, m, Options{})
	if got, want := c.Format(), "sendfile(4, 5, [35499], 53249)"; got != want {
		t.Errorf("entry: got %s, want %s", got, want)
	}
	m.words(bufA, 53248)
	c.Exit(17749, m, Options{})
	if got, want := c.Format(), "sendfile(4, 5, [35499] => [53248], 53249) = 17749"; got != want {
		t.Errorf("exit: got %s, want %s", got, want)
	}
	c = Decode(sig.nr, [6]uint64{4, 5, bufA, 1}, m, Options{})
	c.Exit(1, newMem(), Options{}) // the offset became unreadable
	if got, want := c.Format(), "sendfile(4, 5, [53248] => 0x1000, 1) = 1"; got != want {
		t.Errorf("unreadable at exit: got %s, want %s", got, want)
	}
}

func TestEpollCtlUnknownOp(t *testing.T) {
	runCases(t, []tcase{
		{name: "epoll_ctl unknown op", sys: "epoll_ctl", args: map[string]uint64{"epfd": 5, "op": 7, "fd": 3, "event": 0}, ret: r(-int64(unix.EINVAL)),
			want: "epoll_ctl(5, 0x7 /* EPOLL_CTL_??? */, 3, NULL) = -1 EINVAL (Invalid argument)"},
	})
}

// Scripts get Value converted (bindings' luaValue): structs are maps.
func TestFsValuesAreMaps(t *testing.T) {
	st := unix.Statfs_t{Type: unix.TMPFS_MAGIC, Bsize: 4096}
	m := newMem()
	m.put(bufA, structBytes(&st))
	m.words(bufB, 1, 2, 3, 4)
	m.str(bufC, "f")
	for _, c := range []struct {
		sys  string
		args [6]uint64
		arg  int
		ret  int64
	}{
		{"fstatfs", [6]uint64{3, bufA}, 1, 0},
		{"utimensat", [6]uint64{0xffffff9c, bufC, bufB, 0}, 2, 0},
		{"ioctl", [6]uint64{3, unix.BLKDISCARD, bufB}, 2, 0},
	} {
		call := Decode(byName()[c.sys].nr, c.args, m, Options{})
		call.Exit(c.ret, m, Options{})
		if _, ok := call.Args[c.arg].Value.(map[string]any); !ok {
			t.Errorf("%s: value %T, want map[string]any (%s)", c.sys, call.Args[c.arg].Value, call.Format())
		}
	}
}
