package decode

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's for the same call (checked against it on
// x86_64 where the call can be made), addresses included.

const (
	bufA = 0x1000
	bufB = 0x2000
	bufC = 0x3000
	bufD = 0x4000
)

type tcase struct {
	name string
	sys  string
	args map[string]uint64 // by argument name, so cases fit every architecture
	mem  func(m *fakeMem)
	ret  *int64 // nil: only the entry
	o    Options
	cwd  bool // the Memory can tell the working directory
	want string
}

func r(v int64) *int64 { return &v }

func (c tcase) run(t *testing.T) {
	t.Helper()
	sig := byName()[c.sys]
	if sig == nil {
		t.Skipf("%s is not a syscall of this architecture", c.sys)
	}
	var args [6]uint64
	for name, v := range c.args {
		found := false
		for i, p := range sig.params {
			if p.name == name {
				args[i], found = v, true
			}
		}
		if !found {
			t.Fatalf("%s has no argument %q", c.sys, name)
		}
	}
	m := newMem()
	if c.mem != nil {
		c.mem(m)
	}
	var mem Memory = m
	if c.cwd {
		m.cwd = "/"
		mem = cwdMem{m}
	}
	call := Decode(sig.nr, args, mem, c.o)
	if c.ret != nil {
		call.Exit(*c.ret, mem, c.o)
	}
	if got := call.Format(); got != c.want {
		t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
	}
}

func runCases(t *testing.T, cases []tcase) {
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestBuffers(t *testing.T) {
	escapes := []byte("a\"b\\c\td\ne\rf\vg\fh\x01i\x7fj\x80k\xffl\x00m\x012")
	digits := []byte("0123456789012345678901234567890123456789")
	runCases(t, []tcase{
		{name: "read", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096},
			mem: func(m *fakeMem) { m.put(bufA, []byte("hello")) }, ret: r(5),
			want: `read(3, "hello", 4096) = 5`},
		{name: "read at entry", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096},
			want: `read(3, 0x1000, 4096)`},
		{name: "read failed", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096}, ret: r(-int64(unix.EBADF)),
			want: `read(3, 0x1000, 4096) = -1 EBADF (Bad file descriptor)`},
		{name: "read eof", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096}, mem: func(m *fakeMem) { m.put(bufA, []byte{0}) }, ret: r(0),
			want: `read(3, "", 4096) = 0`},
		{name: "read truncated at -s", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096},
			mem: func(m *fakeMem) { m.put(bufA, digits) }, ret: r(40),
			want: `read(3, "01234567890123456789012345678901"..., 4096) = 40`},
		{name: "read -s 5", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 4096},
			mem: func(m *fakeMem) { m.put(bufA, digits) }, ret: r(40), o: Options{StrSize: 5},
			want: `read(3, "01234"..., 4096) = 40`},
		{name: "write exactly -s", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 32},
			mem: func(m *fakeMem) { m.put(bufA, digits) }, ret: r(32),
			want: `write(1, "01234567890123456789012345678901", 32) = 32`},
		{name: "write escapes", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": uint64(len(escapes))},
			mem: func(m *fakeMem) { m.put(bufA, escapes) }, ret: r(int64(len(escapes))),
			want: `write(1, "a\"b\\c\td\ne\rf\vg\fh\1i\177j\200k\377l\0m\0012", 27) = 27`},
		{name: "write utf-8", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 6},
			mem: func(m *fakeMem) { m.put(bufA, []byte("\303\251t\303\251\000")) }, ret: r(6),
			want: `write(1, "\303\251t\303\251\0", 6) = 6`},
		{name: "write NULL", sys: "write", args: map[string]uint64{"fd": 1, "buf": 0, "count": 0}, ret: r(0),
			want: `write(1, NULL, 0) = 0`},
		{name: "write empty", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 0}, ret: r(0),
			want: `write(1, "", 0) = 0`},
		{name: "write unreadable", sys: "write", args: map[string]uint64{"fd": 99, "buf": 1, "count": 5}, ret: r(-int64(unix.EBADF)),
			want: `write(99, 0x1, 5) = -1 EBADF (Bad file descriptor)`},
		{name: "write short memory", sys: "write", args: map[string]uint64{"fd": 1, "buf": bufA, "count": 10},
			mem:  func(m *fakeMem) { m.put(bufA, []byte("abc")) },
			want: `write(1, 0x1000, 10)`},
		{name: "pread64", sys: "pread64", args: map[string]uint64{"fd": 17, "buf": bufA, "count": 5, "offset": 1},
			mem: func(m *fakeMem) { m.put(bufA, []byte("m\n")) }, ret: r(2),
			want: `pread64(17, "m\n", 5, 1) = 2`},
		{name: "getrandom is hex", sys: "getrandom", args: map[string]uint64{"buf": bufA, "buflen": 8, "flags": unix.GRND_NONBLOCK},
			mem: func(m *fakeMem) { m.put(bufA, []byte{0x96, 0x99, 0x36, 0x4a, 0xb0, 0xdc, 0xaf, 0xd9}) }, ret: r(8),
			want: `getrandom("\x96\x99\x36\x4a\xb0\xdc\xaf\xd9", 8, GRND_NONBLOCK) = 8`},
		{name: "getcwd", sys: "getcwd", args: map[string]uint64{"buf": bufA, "size": 256},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp/ct") }, ret: r(8),
			want: `getcwd("/tmp/ct", 256) = 8`},
		{name: "readlinkat", sys: "readlinkat", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufA, "buf": bufB, "bufsiz": 256},
			mem: func(m *fakeMem) { m.str(bufA, "/proc/self/exe"); m.put(bufB, []byte("/tmp/ct/t2garbage")) }, ret: r(10),
			want: `readlinkat(AT_FDCWD, "/proc/self/exe", "/tmp/ct/t2", 256) = 10`},
		{name: "writev", sys: "writev", args: map[string]uint64{"fd": 1, "iov": bufA, "iovcnt": 2},
			mem: func(m *fakeMem) {
				m.words(bufA, bufB, 2, bufC, 4)
				m.put(bufB, []byte("ab"))
				m.put(bufC, []byte("cde\n"))
			}, ret: r(6),
			want: `writev(1, [{iov_base="ab", iov_len=2}, {iov_base="cde\n", iov_len=4}], 2) = 6`},
		{name: "readv fills up to ret", sys: "readv", args: map[string]uint64{"fd": 15, "iov": bufA, "iovcnt": 2},
			mem: func(m *fakeMem) {
				m.words(bufA, bufB, 3, bufC, 20)
				m.put(bufB, []byte("012"))
				m.put(bufC, []byte("3456789"))
			}, ret: r(10),
			want: `readv(15, [{iov_base="012", iov_len=3}, {iov_base="3456789", iov_len=20}], 2) = 10`},
	})
}

func TestPathsAndFlags(t *testing.T) {
	creatAll := uint64(unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC | unix.O_APPEND | unix.O_NONBLOCK | unix.O_SYNC | unix.O_DIRECTORY |
		unix.O_NOFOLLOW | unix.O_NOATIME | unix.O_CLOEXEC | unix.O_DSYNC | unix.O_ASYNC | unix.O_DIRECT | unix.O_EXCL | unix.O_NOCTTY)
	fdcwd := uint64(0xffffffffffffff9c)
	long := strings.Repeat("d/", 40) + "f"
	runCases(t, []tcase{
		{name: "openat", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.O_RDONLY | unix.O_CLOEXEC},
			mem: func(m *fakeMem) { m.str(bufA, "/etc/ld.so.cache") }, ret: r(3),
			want: `openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`},
		{name: "openat every flag", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": creatAll, "mode": 0o644},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp/xx") }, ret: r(-int64(unix.EINVAL)),
			want: `openat(AT_FDCWD, "/tmp/xx", O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_DIRECTORY|FASYNC, 0644) = -1 EINVAL (Invalid argument)`},
		{name: "openat O_TMPFILE shows the mode", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.O_RDWR | unix.O_TMPFILE, "mode": 0o600},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp") }, ret: r(3),
			want: `openat(AT_FDCWD, "/tmp", O_RDWR|O_TMPFILE, 0600) = 3`},
		{name: "openat unknown bits", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.O_PATH | 0x40000000},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp") }, ret: r(4),
			want: `openat(AT_FDCWD, "/tmp", O_RDONLY|O_PATH|0x40000000) = 4`},
		{name: "openat O_ACCMODE", sys: "openat", args: map[string]uint64{"dirfd": 0xffffffff, "pathname": bufA, "flags": 3},
			mem: func(m *fakeMem) { m.str(bufA, "") }, ret: r(-2),
			want: `openat(-1, "", O_ACCMODE) = -1 ENOENT (No such file or directory)`},
		{name: "openat NULL", sys: "openat", args: map[string]uint64{"dirfd": 99, "pathname": 0}, ret: r(-14),
			want: `openat(99, NULL, O_RDONLY) = -1 EFAULT (Bad address)`},
		{name: "openat unreadable", sys: "openat", args: map[string]uint64{"dirfd": 99, "pathname": 1}, ret: r(-14),
			want: `openat(99, 0x1, O_RDONLY) = -1 EFAULT (Bad address)`},
		{name: "openat escapes", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp/x\001y\"z") }, ret: r(-2),
			want: `openat(AT_FDCWD, "/tmp/x\1y\"z", O_RDONLY) = -1 ENOENT (No such file or directory)`},
		{name: "paths ignore -s", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA},
			mem: func(m *fakeMem) { m.str(bufA, long) }, o: Options{StrSize: 4},
			want: `openat(AT_FDCWD, "` + long + `", O_RDONLY)`},
		{name: "path without NUL", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA},
			mem:  func(m *fakeMem) { m.put(bufA, []byte(strings.Repeat("p", 5000))) },
			want: `openat(AT_FDCWD, "` + strings.Repeat("p", 4095) + `"..., O_RDONLY)`},
		{name: "-y", sys: "openat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.O_RDONLY},
			mem: func(m *fakeMem) { m.str(bufA, "/etc/hostname"); m.fds[3] = "/etc/hostname" }, ret: r(3), o: Options{FdPaths: true}, cwd: true,
			want: `openat(AT_FDCWD</>, "/etc/hostname", O_RDONLY) = 3</etc/hostname>`},
		{name: "-y deleted and escaped", sys: "read", args: map[string]uint64{"fd": 3, "buf": bufA, "count": 1},
			mem: func(m *fakeMem) { m.fds[3] = "/tmp/a<b> (deleted)" }, o: Options{FdPaths: true},
			want: `read(3</tmp/a\74b\76>(deleted), 0x1000, 1)`},
		{name: "-y unknown fd", sys: "close", args: map[string]uint64{"fd": 42}, o: Options{FdPaths: true}, ret: r(-9),
			want: `close(42) = -1 EBADF (Bad file descriptor)`},
		{name: "mkdirat", sys: "mkdirat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": 0o755},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp/ct/d") }, ret: r(0),
			want: `mkdirat(AT_FDCWD, "/tmp/ct/d", 0755) = 0`},
		{name: "fchmodat setuid", sys: "fchmodat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": 0o4755},
			mem: func(m *fakeMem) { m.str(bufA, "/x") }, ret: r(0),
			want: `fchmodat(AT_FDCWD, "/x", 04755) = 0`},
		{name: "umask", sys: "umask", args: map[string]uint64{"mask": 0o22}, ret: r(0o22),
			want: `umask(022) = 022`},
		{name: "mknodat fifo hides dev", sys: "mknodat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": unix.S_IFIFO | 0o644},
			mem: func(m *fakeMem) { m.str(bufA, "/nonexist/x") }, ret: r(-2),
			want: `mknodat(AT_FDCWD, "/nonexist/x", S_IFIFO|0644) = -1 ENOENT (No such file or directory)`},
		{name: "mknodat char device", sys: "mknodat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": unix.S_IFCHR | unix.S_ISUID | 0o600, "dev": 0x103},
			mem: func(m *fakeMem) { m.str(bufA, "/nonexist/y") }, ret: r(-2),
			want: `mknodat(AT_FDCWD, "/nonexist/y", S_IFCHR|S_ISUID|0600, makedev(0x1, 0x3)) = -1 ENOENT (No such file or directory)`},
		{name: "unlinkat", sys: "unlinkat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.AT_REMOVEDIR},
			mem: func(m *fakeMem) { m.str(bufA, "/tmp/ct/nonex") }, ret: r(-2),
			want: `unlinkat(AT_FDCWD, "/tmp/ct/nonex", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)`},
		{name: "faccessat", sys: "faccessat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": unix.R_OK | unix.X_OK},
			mem: func(m *fakeMem) { m.str(bufA, "/etc") }, ret: r(0),
			want: `faccessat(AT_FDCWD, "/etc", R_OK|X_OK) = 0`},
		{name: "faccessat2 F_OK", sys: "faccessat2", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mode": 0, "flags": unix.AT_EACCESS},
			mem: func(m *fakeMem) { m.str(bufA, "/etc") }, ret: r(0),
			want: `faccessat2(AT_FDCWD, "/etc", F_OK, AT_EACCESS) = 0`},
		{name: "lseek unknown whence", sys: "lseek", args: map[string]uint64{"fd": 0, "offset": 0, "whence": 77}, ret: r(-22),
			want: `lseek(0, 0, 0x4d /* SEEK_??? */) = -1 EINVAL (Invalid argument)`},
		{name: "lseek negative", sys: "lseek", args: map[string]uint64{"fd": 0, "offset": ^uint64(0), "whence": unix.SEEK_END}, ret: r(0),
			want: `lseek(0, -1, SEEK_END) = 0`},
		{name: "dup3", sys: "dup3", args: map[string]uint64{"oldfd": 5, "newfd": 11, "flags": unix.O_CLOEXEC}, ret: r(11),
			want: `dup3(5, 11, O_CLOEXEC) = 11`},
		{name: "pipe2", sys: "pipe2", args: map[string]uint64{"pipefd": bufA, "flags": unix.O_CLOEXEC | unix.O_NONBLOCK},
			mem: func(m *fakeMem) { m.int32s(bufA, 3, 4) }, ret: r(0),
			want: `pipe2([3, 4], O_NONBLOCK|O_CLOEXEC) = 0`},
		{name: "pipe2 -y", sys: "pipe2", args: map[string]uint64{"pipefd": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 3, 4); m.fds[3] = "pipe:[5]"; m.fds[4] = "pipe:[5]" }, ret: r(0), o: Options{FdPaths: true},
			want: `pipe2([3<pipe:[5]>, 4<pipe:[5]>], 0) = 0`},
		{name: "statx flags", sys: "statx", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.AT_SYMLINK_NOFOLLOW | unix.AT_NO_AUTOMOUNT, "mask": unix.STATX_BASIC_STATS | unix.STATX_MNT_ID, "statxbuf": bufB},
			mem: func(m *fakeMem) { m.str(bufA, "/nonexist") }, ret: r(-2),
			want: `statx(AT_FDCWD, "/nonexist", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_BASIC_STATS|STATX_MNT_ID, 0x2000) = -1 ENOENT (No such file or directory)`},
		{name: "statx dont sync", sys: "statx", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "flags": unix.AT_STATX_DONT_SYNC, "mask": unix.STATX_ALL, "statxbuf": 0},
			mem: func(m *fakeMem) { m.str(bufA, "/x") }, ret: r(-14),
			want: `statx(AT_FDCWD, "/x", AT_STATX_DONT_SYNC, STATX_ALL, NULL) = -1 EFAULT (Bad address)`},
	})
}

func TestStructs(t *testing.T) {
	fdcwd := uint64(0xffffffffffffff9c)
	reg := unix.Stat_t{Mode: unix.S_IFREG | 0o644, Size: 33519}
	chr := unix.Stat_t{Mode: unix.S_IFCHR | 0o666, Rdev: 0x103}
	dir := unix.Statx_t{Mask: unix.STATX_BASIC_STATS | unix.STATX_MNT_ID, Mode: unix.S_IFDIR | 0o755, Size: 4096, Attributes: unix.STATX_ATTR_MOUNT_ROOT}
	uts := unix.Utsname{}
	copy(uts.Sysname[:], "Linux")
	copy(uts.Nodename[:], "vm")
	ts := unix.Timespec{Sec: 0, Nsec: 1000}
	// Two dirents of 24 and 32 bytes: d_reclen at offset 16.
	dents := make([]byte, 56)
	binary.NativeEndian.PutUint16(dents[16:], 24)
	binary.NativeEndian.PutUint16(dents[24+16:], 32)
	sa := make([]byte, 32) // handler, flags, restorer, mask
	binary.NativeEndian.PutUint64(sa[0:], 1)
	binary.NativeEndian.PutUint64(sa[8:], 0x04000000|0x10000000)
	binary.NativeEndian.PutUint64(sa[16:], 0x7f307db2e050)
	runCases(t, []tcase{
		{name: "newfstatat regular", sys: "newfstatat", args: map[string]uint64{"dirfd": 3, "pathname": bufA, "statbuf": bufB, "flags": unix.AT_EMPTY_PATH},
			mem: func(m *fakeMem) { m.str(bufA, ""); m.put(bufB, structBytes(&reg)) }, ret: r(0),
			want: `newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=33519, ...}, AT_EMPTY_PATH) = 0`},
		{name: "newfstatat device", sys: "newfstatat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "statbuf": bufB, "flags": unix.AT_SYMLINK_NOFOLLOW},
			mem: func(m *fakeMem) { m.str(bufA, "/dev/null"); m.put(bufB, structBytes(&chr)) }, ret: r(0),
			want: `newfstatat(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_SYMLINK_NOFOLLOW) = 0`},
		{name: "newfstatat failed", sys: "newfstatat", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "statbuf": bufB},
			mem: func(m *fakeMem) { m.str(bufA, "/nonexist") }, ret: r(-2),
			want: `newfstatat(AT_FDCWD, "/nonexist", 0x2000, 0) = -1 ENOENT (No such file or directory)`},
		{name: "statx", sys: "statx", args: map[string]uint64{"dirfd": fdcwd, "pathname": bufA, "mask": unix.STATX_BASIC_STATS, "statxbuf": bufB},
			mem: func(m *fakeMem) { m.str(bufA, "/proc"); m.put(bufB, structBytes(&dir)) }, ret: r(0),
			want: `statx(AT_FDCWD, "/proc", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=STATX_ATTR_MOUNT_ROOT, stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0`},
		{name: "uname", sys: "uname", args: map[string]uint64{"buf": bufA}, mem: func(m *fakeMem) { m.put(bufA, structBytes(&uts)) }, ret: r(0),
			want: `uname({sysname="Linux", nodename="vm", ...}) = 0`},
		{name: "clock_nanosleep", sys: "clock_nanosleep", args: map[string]uint64{"clockid": unix.CLOCK_MONOTONIC, "request": bufA, "remain": bufB},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&ts)); m.put(bufB, structBytes(&ts)) }, ret: r(0),
			want: `clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000}, 0x2000) = 0`},
		{name: "clock_nanosleep interrupted", sys: "clock_nanosleep", args: map[string]uint64{"clockid": unix.CLOCK_REALTIME, "request": bufA, "remain": bufB},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&ts)); m.put(bufB, structBytes(&ts)) }, ret: r(-516),
			want: `clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000}, {tv_sec=0, tv_nsec=1000}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)`},
		{name: "clock_gettime", sys: "clock_gettime", args: map[string]uint64{"clockid": unix.CLOCK_BOOTTIME, "tp": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&ts)) }, ret: r(0),
			want: `clock_gettime(CLOCK_BOOTTIME, {tv_sec=0, tv_nsec=1000}) = 0`},
		{name: "getdents64", sys: "getdents64", args: map[string]uint64{"fd": 18, "dirp": bufA, "count": 256},
			mem: func(m *fakeMem) { m.put(bufA, dents) }, ret: r(56),
			want: `getdents64(18, 0x1000 /* 2 entries */, 256) = 56`},
		{name: "getdents64 end", sys: "getdents64", args: map[string]uint64{"fd": 18, "dirp": bufA, "count": 256},
			mem: func(m *fakeMem) { m.put(bufA, dents) }, ret: r(0),
			want: `getdents64(18, 0x1000 /* 0 entries */, 256) = 0`},
		{name: "prlimit64", sys: "prlimit64", args: map[string]uint64{"pid": 0, "resource": unix.RLIMIT_CORE, "new_limit": bufA, "old_limit": bufB},
			mem: func(m *fakeMem) { m.words(bufA, 2048, 4096); m.words(bufB, 1024, ^uint64(0)) }, ret: r(0),
			want: `prlimit64(0, RLIMIT_CORE, {rlim_cur=2*1024, rlim_max=4*1024}, {rlim_cur=1024, rlim_max=RLIM64_INFINITY}) = 0`},
		{name: "rt_sigprocmask", sys: "rt_sigprocmask", args: map[string]uint64{"how": unix.SIG_BLOCK, "set": bufA, "oldset": 0, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.words(bufA, 1<<1|1<<9|1<<36) }, ret: r(0),
			want: `rt_sigprocmask(SIG_BLOCK, [INT USR1 RT_5], NULL, 8) = 0`},
		{name: "rt_sigprocmask complement", sys: "rt_sigprocmask", args: map[string]uint64{"how": unix.SIG_SETMASK, "set": bufA, "oldset": bufB, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.words(bufA, ^uint64(3<<31)); m.words(bufB, 0) }, ret: r(0),
			want: `rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], [], 8) = 0`},
		{name: "rt_sigprocmask bad size", sys: "rt_sigprocmask", args: map[string]uint64{"how": 9, "set": bufA, "sigsetsize": 1000},
			mem: func(m *fakeMem) { m.words(bufA, 0) }, ret: r(-22),
			want: `rt_sigprocmask(0x9 /* SIG_??? */, 0x1000, NULL, 1000) = -1 EINVAL (Invalid argument)`},
		{name: "rt_sigaction", sys: "rt_sigaction", args: map[string]uint64{"signum": uint64(unix.SIGPIPE), "act": bufA, "oldact": bufB, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.put(bufA, sa); m.words(bufB, 0, 0, 0, 0) }, ret: r(0),
			want: `rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f307db2e050}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0`},
		{name: "sysinfo", sys: "sysinfo", args: map[string]uint64{"info": bufA},
			mem: func(m *fakeMem) {
				si := unix.Sysinfo_t{Uptime: 2649, Loads: [3]uint64{1, 2, 3}, Procs: 93, Unit: 1}
				m.put(bufA, structBytes(&si))
			}, ret: r(0),
			want: `sysinfo({uptime=2649, loads=[1, 2, 3], totalram=0, freeram=0, sharedram=0, bufferram=0, totalswap=0, freeswap=0, procs=93, totalhigh=0, freehigh=0, mem_unit=1}) = 0`},
		{name: "sysinfo failed", sys: "sysinfo", args: map[string]uint64{"info": 0}, ret: r(-14),
			want: `sysinfo(NULL) = -1 EFAULT (Bad address)`},
		{name: "getgroups", sys: "getgroups", args: map[string]uint64{"size": 32, "list": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 0, 4, 27) }, ret: r(3),
			want: `getgroups(32, [0, 4, 27]) = 3`},
		{name: "setgroups", sys: "setgroups", args: map[string]uint64{"size": 0, "list": bufA}, ret: r(0),
			want: `setgroups(0, []) = 0`},
	})
}

func TestNetwork(t *testing.T) {
	in4 := func(port uint16, ip [4]byte) []byte {
		b := make([]byte, 16)
		binary.NativeEndian.PutUint16(b, unix.AF_INET)
		binary.BigEndian.PutUint16(b[2:], port)
		copy(b[4:], ip[:])
		return b
	}
	in6 := make([]byte, 28)
	binary.NativeEndian.PutUint16(in6, unix.AF_INET6)
	binary.BigEndian.PutUint16(in6[2:], 53)
	binary.BigEndian.PutUint32(in6[4:], 7)
	in6[8+15] = 1 // ::1
	binary.NativeEndian.PutUint32(in6[24:], 5)
	un := append([]byte{byte(unix.AF_UNIX), 0}, "/run/nosuch.sock"...)
	abstract := append([]byte{byte(unix.AF_UNIX), 0, 0}, "abstract"...)
	nl := make([]byte, 12)
	binary.NativeEndian.PutUint16(nl, unix.AF_NETLINK)
	binary.NativeEndian.PutUint32(nl[8:], 5)
	hdr := func(m *fakeMem) { // struct msghdr with one iovec
		m.words(bufA, 0, 0, bufB, 1, 0, 0, 0)
		m.words(bufB, bufC, 5)
		m.put(bufC, []byte("hello"))
	}
	runCases(t, []tcase{
		{name: "connect refused", sys: "connect", args: map[string]uint64{"sockfd": 3, "addr": bufA, "addrlen": 16},
			mem: func(m *fakeMem) { m.put(bufA, in4(8080, [4]byte{127, 0, 0, 1})) }, ret: r(-int64(unix.ECONNREFUSED)),
			want: `connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)`},
		{name: "connect in progress", sys: "connect", args: map[string]uint64{"sockfd": 3, "addr": bufA, "addrlen": 28},
			mem: func(m *fakeMem) { m.put(bufA, in6) }, ret: r(-int64(unix.EINPROGRESS)),
			want: `connect(3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(7), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=5}, 28) = -1 EINPROGRESS (Operation now in progress)`},
		{name: "connect unix", sys: "connect", args: map[string]uint64{"sockfd": 12, "addr": bufA, "addrlen": 110},
			mem: func(m *fakeMem) { m.put(bufA, append(un, make([]byte, 110-len(un))...)) }, ret: r(-2),
			want: `connect(12, {sa_family=AF_UNIX, sun_path="/run/nosuch.sock"}, 110) = -1 ENOENT (No such file or directory)`},
		{name: "connect abstract", sys: "connect", args: map[string]uint64{"sockfd": 12, "addr": bufA, "addrlen": 11},
			mem: func(m *fakeMem) { m.put(bufA, abstract) }, ret: r(-111),
			want: `connect(12, {sa_family=AF_UNIX, sun_path=@"abstract"}, 11) = -1 ECONNREFUSED (Connection refused)`},
		{name: "connect family only", sys: "connect", args: map[string]uint64{"sockfd": 12, "addr": bufA, "addrlen": 2},
			mem: func(m *fakeMem) { m.put(bufA, un[:2]) }, ret: r(-22),
			want: `connect(12, {sa_family=AF_UNIX}, 2) = -1 EINVAL (Invalid argument)`},
		{name: "connect too short", sys: "connect", args: map[string]uint64{"sockfd": 12, "addr": bufA, "addrlen": 1}, ret: r(-22),
			want: `connect(12, 0x1000, 1) = -1 EINVAL (Invalid argument)`},
		{name: "connect unspec", sys: "connect", args: map[string]uint64{"sockfd": 3, "addr": bufA, "addrlen": 4},
			mem: func(m *fakeMem) { m.put(bufA, []byte{0, 0, 1, 'a'}) }, ret: r(0),
			want: `connect(3, {sa_family=AF_UNSPEC, sa_data="\1a"}, 4) = 0`},
		{name: "bind netlink", sys: "bind", args: map[string]uint64{"sockfd": 13, "addr": bufA, "addrlen": 12},
			mem: func(m *fakeMem) { m.put(bufA, nl) }, ret: r(0),
			want: `bind(13, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=0x000005}, 12) = 0`},
		{name: "getsockname", sys: "getsockname", args: map[string]uint64{"sockfd": 14, "addr": bufA, "addrlen": bufB},
			mem: func(m *fakeMem) { m.put(bufA, in4(57771, [4]byte{127, 0, 0, 1})); m.int32s(bufB, 16) }, ret: r(0),
			want: `getsockname(14, {sa_family=AF_INET, sin_port=htons(57771), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0`},
		{name: "accept failed", sys: "accept", args: map[string]uint64{"sockfd": 14, "addr": bufA, "addrlen": bufB},
			mem: func(m *fakeMem) { m.int32s(bufB, 16) }, ret: r(-11),
			want: `accept(14, 0x1000, [16]) = -1 EAGAIN (Resource temporarily unavailable)`},
		{name: "accept", sys: "accept", args: map[string]uint64{"sockfd": 3, "addr": bufA, "addrlen": bufB},
			mem: func(m *fakeMem) { m.put(bufA, in4(40000, [4]byte{127, 0, 0, 1})); m.int32s(bufB, 16) }, ret: r(5),
			want: `accept(3, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr("127.0.0.1")}, [16]) = 5`},
		{name: "accept4 NULL", sys: "accept4", args: map[string]uint64{"sockfd": 14, "flags": unix.SOCK_NONBLOCK}, ret: r(5),
			want: `accept4(14, NULL, NULL, SOCK_NONBLOCK) = 5`},
		{name: "socket", sys: "socket", args: map[string]uint64{"domain": unix.AF_INET, "type": unix.SOCK_STREAM | unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC, "protocol": unix.IPPROTO_TCP}, ret: r(3),
			want: `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 3`},
		{name: "socket unix", sys: "socket", args: map[string]uint64{"domain": unix.AF_UNIX, "type": unix.SOCK_DGRAM}, ret: r(3),
			want: `socket(AF_UNIX, SOCK_DGRAM, 0) = 3`},
		{name: "socket netlink", sys: "socket", args: map[string]uint64{"domain": unix.AF_NETLINK, "type": unix.SOCK_RAW, "protocol": unix.NETLINK_ROUTE}, ret: r(13),
			want: `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 13`},
		{name: "socket unknown type", sys: "socket", args: map[string]uint64{"domain": unix.AF_INET, "type": 77}, ret: r(-22),
			want: `socket(AF_INET, 0x4d /* SOCK_??? */, IPPROTO_IP) = -1 EINVAL (Invalid argument)`},
		{name: "socket unknown family", sys: "socket", args: map[string]uint64{"domain": 12345, "type": unix.SOCK_STREAM}, ret: r(-97),
			want: `socket(0x3039 /* AF_??? */, SOCK_STREAM, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)`},
		{name: "socketpair", sys: "socketpair", args: map[string]uint64{"domain": unix.AF_UNIX, "type": unix.SOCK_DGRAM, "sv": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 15, 16) }, ret: r(0),
			want: `socketpair(AF_UNIX, SOCK_DGRAM, 0, [15, 16]) = 0`},
		{name: "setsockopt", sys: "setsockopt", args: map[string]uint64{"sockfd": 8, "level": unix.SOL_SOCKET, "optname": unix.SO_REUSEADDR, "optval": bufA, "optlen": 4},
			mem: func(m *fakeMem) { m.int32s(bufA, 1) }, ret: r(0),
			want: `setsockopt(8, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0`},
		{name: "setsockopt tcp", sys: "setsockopt", args: map[string]uint64{"sockfd": 8, "level": unix.SOL_TCP, "optname": unix.TCP_NODELAY, "optval": bufA, "optlen": 4},
			mem: func(m *fakeMem) { m.int32s(bufA, 1) }, ret: r(0),
			want: `setsockopt(8, SOL_TCP, TCP_NODELAY, [1], 4) = 0`},
		{name: "getsockopt", sys: "getsockopt", args: map[string]uint64{"sockfd": 8, "level": unix.SOL_SOCKET, "optname": unix.SO_ERROR, "optval": bufA, "optlen": bufB},
			mem: func(m *fakeMem) { m.int32s(bufA, 0); m.int32s(bufB, 4) }, ret: r(0),
			want: `getsockopt(8, SOL_SOCKET, SO_ERROR, [0], [4]) = 0`},
		{name: "sendto", sys: "sendto", args: map[string]uint64{"sockfd": 5, "buf": bufA, "len": 1, "flags": unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL},
			mem: func(m *fakeMem) { m.put(bufA, []byte("x")) }, ret: r(1),
			want: `sendto(5, "x", 1, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 1`},
		{name: "recvfrom", sys: "recvfrom", args: map[string]uint64{"sockfd": 15, "buf": bufA, "len": 10},
			mem: func(m *fakeMem) { m.put(bufA, []byte("xyz")) }, ret: r(3),
			want: `recvfrom(15, "xyz", 10, 0, NULL, NULL) = 3`},
		{name: "sendmsg", sys: "sendmsg", args: map[string]uint64{"sockfd": 5, "msg": bufA, "flags": unix.MSG_NOSIGNAL}, mem: hdr, ret: r(5),
			want: `sendmsg(5, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 5`},
		{name: "recvmsg", sys: "recvmsg", args: map[string]uint64{"sockfd": 6, "msg": bufA}, mem: hdr, ret: r(3),
			want: `recvmsg(6, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hel", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 3`},
		{name: "shutdown", sys: "shutdown", args: map[string]uint64{"sockfd": 3, "how": unix.SHUT_RDWR}, ret: r(0),
			want: `shutdown(3, SHUT_RDWR) = 0`},
	})
}

func TestProcessAndSignals(t *testing.T) {
	cloneArgs := map[string]uint64{"flags": unix.CLONE_CHILD_CLEARTID | unix.CLONE_CHILD_SETTID | uint64(unix.SIGCHLD), "child_tid": 0x7f307daefa10}
	env := func(m *fakeMem) {
		m.str(bufA, "/usr/bin/cat")
		m.words(bufB, bufC, bufC+4, 0)
		m.put(bufC, []byte("cat\x00/etc/hostname\x00"))
		m.words(bufD, bufC, bufC, bufC, 0)
	}
	many := func(m *fakeMem) {
		m.str(bufA, "/bin/echo")
		ws := make([]uint64, 40)
		for i := range ws[:39] {
			ws[i] = bufC
		}
		m.words(bufB, ws...)
		m.str(bufC, "x")
		m.words(bufD, bufC, 0)
	}
	runCases(t, []tcase{
		{name: "execve", sys: "execve", args: map[string]uint64{"pathname": bufA, "argv": bufB, "envp": bufD}, mem: env, ret: r(0),
			want: `execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x4000 /* 3 vars */) = 0`},
		{name: "execve argv cut at -s", sys: "execve", args: map[string]uint64{"pathname": bufA, "argv": bufB, "envp": bufD}, mem: many, o: Options{StrSize: 3},
			want: `execve("/bin/echo", ["x", "x", "x", ...], 0x4000 /* 1 var */)`},
		{name: "execve failed", sys: "execve", args: map[string]uint64{"pathname": bufA, "argv": bufB, "envp": 0}, mem: env, ret: r(-2),
			want: `execve("/usr/bin/cat", ["cat", "/etc/hostname"], NULL) = -1 ENOENT (No such file or directory)`},
		{name: "clone", sys: "clone", args: cloneArgs, ret: r(16869),
			want: `clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f307daefa10) = 16869`},
		{name: "clone thread", sys: "clone", args: map[string]uint64{"flags": unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SETTLS, "stack": 0x7f0000, "tls": 0x7f1000}, ret: r(7),
			want: `clone(child_stack=0x7f0000, flags=CLONE_VM|CLONE_THREAD|CLONE_SETTLS, tls=0x7f1000) = 7`},
		{name: "exit_group at entry", sys: "exit_group", args: map[string]uint64{"status": 3},
			want: `exit_group(3) = ?`},
		{name: "wait4 exited", sys: "wait4", args: map[string]uint64{"pid": 16869, "wstatus": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 3<<8) }, ret: r(16869),
			want: `wait4(16869, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 16869`},
		{name: "wait4 signaled", sys: "wait4", args: map[string]uint64{"pid": ^uint64(0), "wstatus": bufA, "options": unix.WALL},
			mem: func(m *fakeMem) { m.int32s(bufA, int32(unix.SIGSEGV)|0x80) }, ret: r(5),
			want: `wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], __WALL, NULL) = 5`},
		{name: "wait4 stopped", sys: "wait4", args: map[string]uint64{"pid": 5, "wstatus": bufA, "options": unix.WUNTRACED},
			mem: func(m *fakeMem) { m.int32s(bufA, int32(unix.SIGSTOP)<<8|0x7f) }, ret: r(5),
			want: `wait4(5, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, NULL) = 5`},
		{name: "wait4 continued", sys: "wait4", args: map[string]uint64{"pid": 5, "wstatus": bufA, "options": unix.WCONTINUED},
			mem: func(m *fakeMem) { m.int32s(bufA, 0xffff) }, ret: r(5),
			want: `wait4(5, [{WIFCONTINUED(s)}], WCONTINUED, NULL) = 5`},
		{name: "wait4 nohang", sys: "wait4", args: map[string]uint64{"pid": 5, "wstatus": bufA, "options": unix.WNOHANG | unix.WALL}, ret: r(0),
			want: `wait4(5, 0x1000, WNOHANG|__WALL, NULL) = 0`},
		{name: "kill", sys: "kill", args: map[string]uint64{"pid": ^uint64(0), "sig": uint64(unix.SIGCONT)}, ret: r(0),
			want: `kill(-1, SIGCONT) = 0`},
		{name: "kill 0", sys: "kill", args: map[string]uint64{"pid": 16860}, ret: r(0),
			want: `kill(16860, 0) = 0`},
		{name: "tgkill realtime", sys: "tgkill", args: map[string]uint64{"tgid": 1, "tid": 2, "sig": 37}, ret: r(-3),
			want: `tgkill(1, 2, SIGRT_5) = -1 ESRCH (No such process)`},
		{name: "tkill rtmin and beyond", sys: "tkill", args: map[string]uint64{"tid": 2, "sig": 32}, ret: r(0),
			want: `tkill(2, SIGRTMIN) = 0`},
		{name: "tkill bad signal", sys: "tkill", args: map[string]uint64{"tid": 2, "sig": 99}, ret: r(-22),
			want: `tkill(2, 99) = -1 EINVAL (Invalid argument)`},
		{name: "setresuid", sys: "setresuid", args: map[string]uint64{"ruid": 0xffffffff, "euid": 0, "suid": ^uint64(0)}, ret: r(0),
			want: `setresuid(-1, 0, -1) = 0`},
		{name: "getrusage negative enum", sys: "getrusage", args: map[string]uint64{"who": ^uint64(0), "usage": bufA}, ret: r(0),
			want: `getrusage(RUSAGE_CHILDREN, 0x1000) = 0`},
		{name: "getpid", sys: "getpid", ret: r(2830), want: `getpid() = 2830`},
	})
}

func TestMemoryCalls(t *testing.T) {
	runCases(t, []tcase{
		{name: "mmap", sys: "mmap", args: map[string]uint64{"length": 4096, "prot": unix.PROT_READ | unix.PROT_WRITE, "flags": unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_POPULATE, "fd": ^uint64(0)}, ret: r(0x7f307dcdc000),
			want: `mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = 0x7f307dcdc000`},
		{name: "mmap file", sys: "mmap", args: map[string]uint64{"addr": 0x7f6037825000, "length": 1400832, "prot": unix.PROT_READ | unix.PROT_EXEC, "flags": unix.MAP_PRIVATE | unix.MAP_FIXED | unix.MAP_DENYWRITE, "fd": 3, "offset": 0x26000}, ret: r(0x7f6037825000),
			want: `mmap(0x7f6037825000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f6037825000`},
		{name: "mmap huge pages", sys: "mmap", args: map[string]uint64{"length": 4096, "prot": unix.PROT_READ, "flags": unix.MAP_SHARED | unix.MAP_STACK | unix.MAP_HUGETLB | 4<<unix.MAP_HUGE_SHIFT, "fd": 3, "offset": 4096}, ret: r(-22),
			want: `mmap(NULL, 4096, PROT_READ, MAP_SHARED|MAP_STACK|MAP_HUGETLB|4<<MAP_HUGE_SHIFT, 3, 0x1000) = -1 EINVAL (Invalid argument)`},
		{name: "mprotect none", sys: "mprotect", args: map[string]uint64{"addr": 0x7f0000, "len": 4096}, ret: r(0),
			want: `mprotect(0x7f0000, 4096, PROT_NONE) = 0`},
		{name: "brk", sys: "brk", ret: r(0x55e092698000), want: `brk(NULL) = 0x55e092698000`},
		{name: "munmap", sys: "munmap", args: map[string]uint64{"addr": 0x7f0000, "length": 33519}, ret: r(0),
			want: `munmap(0x7f0000, 33519) = 0`},
		{name: "mremap", sys: "mremap", args: map[string]uint64{"old_size": 4096, "new_size": 8192, "flags": unix.MREMAP_MAYMOVE}, ret: r(-14),
			want: `mremap(NULL, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)`},
		{name: "mremap fixed", sys: "mremap", args: map[string]uint64{"old_size": 4096, "new_size": 8192, "flags": unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, "new_address": 0x5000}, ret: r(0x5000),
			want: `mremap(NULL, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x5000) = 0x5000`},
		{name: "madvise", sys: "madvise", args: map[string]uint64{"length": 4096, "advice": unix.MADV_DONTNEED}, ret: r(-12),
			want: `madvise(NULL, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)`},
		{name: "mlockall", sys: "mlockall", args: map[string]uint64{"flags": unix.MCL_CURRENT | unix.MCL_FUTURE}, ret: r(0),
			want: `mlockall(MCL_CURRENT|MCL_FUTURE) = 0`},
		{name: "rseq", sys: "rseq", args: map[string]uint64{"rseq": 0x7f60377fd060, "rseq_len": 0x20, "sig": 0x53053053}, ret: r(0),
			want: `rseq(0x7f60377fd060, 0x20, 0, 0x53053053) = 0`},
	})
}

func TestCommandDependent(t *testing.T) {
	runCases(t, []tcase{
		{name: "fcntl F_GETFD", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_GETFD}, ret: r(0),
			want: `fcntl(17, F_GETFD) = 0`},
		{name: "fcntl F_GETFD set", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_GETFD}, ret: r(1),
			want: `fcntl(17, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{name: "fcntl F_SETFD", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_SETFD, "arg": unix.FD_CLOEXEC}, ret: r(0),
			want: `fcntl(17, F_SETFD, FD_CLOEXEC) = 0`},
		{name: "fcntl F_GETFL", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_GETFL}, ret: r(2),
			want: `fcntl(17, F_GETFL) = 0x2 (flags O_RDWR)`},
		{name: "fcntl F_SETFL", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_SETFL, "arg": unix.O_NONBLOCK}, ret: r(0),
			want: `fcntl(17, F_SETFL, O_RDONLY|O_NONBLOCK) = 0`},
		{name: "fcntl F_DUPFD_CLOEXEC", sys: "fcntl", args: map[string]uint64{"fd": 17, "cmd": unix.F_DUPFD_CLOEXEC, "arg": 20}, ret: r(20),
			o:    Options{FdPaths: true},
			want: `fcntl(17, F_DUPFD_CLOEXEC, 20) = 20`},
		{name: "ioctl TCGETS", sys: "ioctl", args: map[string]uint64{"fd": 0, "request": unix.TCGETS, "argp": 0x7ffe6ad871e0}, ret: r(-25),
			want: `ioctl(0, TCGETS, 0x7ffe6ad871e0) = -1 ENOTTY (Inappropriate ioctl for device)`},
		{name: "ioctl FIONREAD", sys: "ioctl", args: map[string]uint64{"fd": 17, "request": 0x541b, "argp": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 3) }, ret: r(0),
			want: `ioctl(17, FIONREAD, [3]) = 0`},
		{name: "ioctl FIONBIO", sys: "ioctl", args: map[string]uint64{"fd": 3, "request": 0x5421, "argp": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 1) }, ret: r(0),
			want: `ioctl(3, FIONBIO, [1]) = 0`},
		{name: "ioctl FIOCLEX", sys: "ioctl", args: map[string]uint64{"fd": 3, "request": 0x5451}, ret: r(0),
			want: `ioctl(3, FIOCLEX) = 0`},
		{name: "ioctl unknown", sys: "ioctl", args: map[string]uint64{"fd": 17, "request": 2<<30 | 4<<16 | 'x'<<8 | 0x99, "argp": 0x7ffe6ad871dc}, ret: r(-25),
			want: `ioctl(17, _IOC(_IOC_READ, 0x78, 0x99, 0x4), 0x7ffe6ad871dc) = -1 ENOTTY (Inappropriate ioctl for device)`},
		{name: "futex wait", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 128, "val": 1}, ret: r(-11),
			want: `futex(0x7ffdc2f18afc, FUTEX_WAIT_PRIVATE, 1, NULL) = -1 EAGAIN (Resource temporarily unavailable)`},
		{name: "futex wake", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 1 | 128, "val": 2147483647}, ret: r(0),
			want: `futex(0x7ffdc2f18afc, FUTEX_WAKE_PRIVATE, 2147483647) = 0`},
		{name: "futex wait bitset", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 9 | 256, "val": 1, "val3": 0xffffffff}, ret: r(-11),
			want: `futex(0x7ffdc2f18afc, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 1, NULL, FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)`},
		{name: "futex wake bitset", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 10 | 128, "val": 1, "val3": 0xffffffff}, ret: r(0),
			want: `futex(0x7ffdc2f18afc, FUTEX_WAKE_BITSET_PRIVATE, 1, FUTEX_BITSET_MATCH_ANY) = 0`},
		{name: "futex unlock_pi", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 7, "val": 1}, ret: r(-1),
			want: `futex(0x7ffdc2f18afc, FUTEX_UNLOCK_PI) = -1 EPERM (Operation not permitted)`},
		{name: "futex lock_pi", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 6, "val": 1}, ret: r(0),
			want: `futex(0x7ffdc2f18afc, FUTEX_LOCK_PI, NULL) = 0`},
		{name: "futex cmp_requeue", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 4 | 128, "val": 1, "timeout": 5, "uaddr2": 0x7ffdc2f18afc}, ret: r(-11),
			want: `futex(0x7ffdc2f18afc, FUTEX_CMP_REQUEUE_PRIVATE, 1, 5, 0x7ffdc2f18afc, 0) = -1 EAGAIN (Resource temporarily unavailable)`},
		{name: "futex requeue", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 3, "val": 1, "timeout": 5, "uaddr2": 0x7ffdc2f18afc}, ret: r(0),
			want: `futex(0x7ffdc2f18afc, FUTEX_REQUEUE, 1, 5, 0x7ffdc2f18afc) = 0`},
		{name: "futex unknown", sys: "futex", args: map[string]uint64{"uaddr": 0x7ffdc2f18afc, "futex_op": 99, "val": 1, "timeout": 5, "uaddr2": 0x7ffdc2f18afc}, ret: r(-38),
			want: `futex(0x7ffdc2f18afc, 0x63 /* FUTEX_??? */, 1, 0x5, 0x7ffdc2f18afc, 0) = -1 ENOSYS (Function not implemented)`},
		{name: "futex wake_op", sys: "futex", args: map[string]uint64{"uaddr": 0x1000, "futex_op": 5 | 128, "val": 1, "timeout": 1, "uaddr2": 0x2000, "val3": 4<<24 | 1}, ret: r(0),
			want: `futex(0x1000, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x2000, FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1) = 0`},
	})
}

func TestPollAndEpoll(t *testing.T) {
	pfd := func(fd int32, events, revents uint16) []byte {
		b := make([]byte, 8)
		binary.NativeEndian.PutUint32(b, uint32(fd))
		binary.NativeEndian.PutUint16(b[4:], events)
		binary.NativeEndian.PutUint16(b[6:], revents)
		return b
	}
	ev := make([]byte, epollEventSize)
	binary.NativeEndian.PutUint32(ev, unix.EPOLLIN|unix.EPOLLET)
	binary.NativeEndian.PutUint64(ev[len(ev)-8:], 3)
	runCases(t, []tcase{
		{name: "ppoll ready", sys: "ppoll", args: map[string]uint64{"fds": bufA, "nfds": 1, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.put(bufA, pfd(0, unix.POLLIN, unix.POLLIN)) }, ret: r(1),
			want: `ppoll([{fd=0, events=POLLIN}], 1, NULL, NULL, 8) = 1 ([{fd=0, revents=POLLIN}])`},
		{name: "ppoll timeout", sys: "ppoll", args: map[string]uint64{"fds": bufA, "nfds": 1, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.put(bufA, pfd(3, unix.POLLIN|unix.POLLOUT, 0)) }, ret: r(0),
			want: `ppoll([{fd=3, events=POLLIN|POLLOUT}], 1, NULL, NULL, 8) = 0 (Timeout)`},
		{name: "epoll_ctl", sys: "epoll_ctl", args: map[string]uint64{"epfd": 4, "op": unix.EPOLL_CTL_ADD, "fd": 0, "event": bufA},
			mem: func(m *fakeMem) { m.put(bufA, ev) }, ret: r(-1),
			want: `epoll_ctl(4, EPOLL_CTL_ADD, 0, {events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}) = -1 EPERM (Operation not permitted)`},
		{name: "epoll_ctl del", sys: "epoll_ctl", args: map[string]uint64{"epfd": 4, "op": unix.EPOLL_CTL_DEL, "fd": 0}, ret: r(-1),
			want: `epoll_ctl(4, EPOLL_CTL_DEL, 0, NULL) = -1 EPERM (Operation not permitted)`},
		{name: "epoll_pwait", sys: "epoll_pwait", args: map[string]uint64{"epfd": 4, "events": bufA, "maxevents": 4, "sigsetsize": 8},
			mem: func(m *fakeMem) { m.put(bufA, ev) }, ret: r(1),
			want: `epoll_pwait(4, [{events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}], 4, 0, NULL, 8) = 1`},
		{name: "epoll_pwait none", sys: "epoll_pwait", args: map[string]uint64{"epfd": 4, "events": bufA, "maxevents": 4, "sigsetsize": 8}, ret: r(0),
			want: `epoll_pwait(4, [], 4, 0, NULL, 8) = 0`},
		{name: "epoll_create1", sys: "epoll_create1", args: map[string]uint64{"flags": unix.EPOLL_CLOEXEC}, ret: r(4),
			want: `epoll_create1(EPOLL_CLOEXEC) = 4`},
		{name: "eventfd2", sys: "eventfd2", args: map[string]uint64{"flags": unix.EFD_NONBLOCK}, ret: r(21),
			want: `eventfd2(0, EFD_NONBLOCK) = 21`},
		{name: "memfd_create", sys: "memfd_create", args: map[string]uint64{"name": bufA, "flags": unix.MFD_CLOEXEC},
			mem: func(m *fakeMem) { m.str(bufA, "x") }, ret: r(19),
			want: `memfd_create("x", MFD_CLOEXEC) = 19`},
	})
}

func TestErrorsAndUnknown(t *testing.T) {
	runCases(t, []tcase{
		{name: "restart", sys: "wait4", args: map[string]uint64{"pid": ^uint64(0), "wstatus": bufA}, ret: r(-512),
			want: `wait4(-1, 0x1000, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`},
		{name: "unknown errno", sys: "close", args: map[string]uint64{"fd": 3}, ret: r(-4000),
			want: `close(3) = -1 (errno 4000)`}, // strace 6.1's print_err_ret
		{name: "large negative is no errno", sys: "lseek", args: map[string]uint64{"fd": 3, "whence": unix.SEEK_SET}, ret: r(-5000),
			want: `lseek(3, 0, SEEK_SET) = -5000`},
	})
	c := Decode(99999, [6]uint64{1, 2, 3, 4, 5, 6}, nil, Options{})
	c.Exit(-38, nil, Options{})
	if got, want := c.Format(), "syscall_0x1869f(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"; got != want {
		t.Errorf("unknown syscall:\n got %s\nwant %s", got, want)
	}
	if c.Errno != 38 || c.ErrnoName() != "ENOSYS" || !c.Failed() {
		t.Errorf("unknown syscall: errno %d %q failed %v", c.Errno, c.ErrnoName(), c.Failed())
	}
}

// Every type the spec declares has a decoder, so a new type cannot fall
// back to hex unnoticed.
func TestEveryKindHasADecoder(t *testing.T) {
	for k := kind(1); int(k) < len(kindNames); k++ {
		if k == kindNone {
			continue
		}
		if d := decoders[k]; d.entry == nil && d.exit == nil {
			t.Errorf("type %s has no decoder", k)
		}
	}
}

// The table covers every syscall libseccomp knows with a real signature.
func TestTableComplete(t *testing.T) {
	var unknown []string
	for _, s := range syscallTable {
		if s.unknown {
			unknown = append(unknown, s.name)
		}
		for i, p := range s.params {
			if p.ref >= len(s.params) || p.ref == i {
				t.Errorf("%s: argument %s refers to %d", s.name, p.name, p.ref)
			}
		}
	}
	if len(unknown) > 0 {
		t.Errorf("syscalls without a signature: %v", unknown)
	}
	if len(syscallTable) < 300 {
		t.Errorf("only %d syscalls in the table", len(syscallTable))
	}
}

func TestClasses(t *testing.T) {
	for name, want := range map[string]string{
		"openat":     "%desc %file",
		"connect":    "%network",
		"execve":     "%file %process",
		"mmap":       "%desc %memory",
		"kill":       "%process %signal",
		"getpid":     "%pure",
		"newfstatat": "%desc %file %fstat %%stat",
		"fstatfs":    "%desc %fstatfs %%statfs",
		"read":       "%desc",
	} {
		got, ok := Classes(name)
		if !ok {
			t.Errorf("%s: not in the table", name)
			continue
		}
		if strings.Join(got, " ") != want {
			t.Errorf("Classes(%s) = %v, want %s", name, got, want)
		}
	}
	if _, ok := Classes("nosuchcall"); ok {
		t.Error("Classes(nosuchcall) is ok")
	}
	if len(ClassNames()) < 6 || len(Names()) != len(syscallTable) {
		t.Errorf("ClassNames %v, %d names", ClassNames(), len(Names()))
	}
}

func TestErrno(t *testing.T) {
	for _, c := range []struct {
		n          int
		name, text string
	}{
		{2, "ENOENT", "-1 ENOENT (No such file or directory)"},
		{111, "ECONNREFUSED", "-1 ECONNREFUSED (Connection refused)"},
		{512, "ERESTARTSYS", "? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
		{0, "", "-1 (errno 0)"},
		// strace 6.1's names where x/sys/unix differs (checked with strace
		// -e inject=close:error=N):
		{95, "EOPNOTSUPP", "-1 EOPNOTSUPP (Operation not supported)"},
		{117, "EUCLEAN", "-1 EUCLEAN (Structure needs cleaning)"},
		{134, "", "-1 (errno 134)"},
		{515, "ENOIOCTLCMD", "-1 ENOIOCTLCMD (Unknown error 515)"},
		{4000, "", "-1 (errno 4000)"},
	} {
		if got := ErrnoName(c.n); got != c.name {
			t.Errorf("ErrnoName(%d) = %q, want %q", c.n, got, c.name)
		}
		if got := errnoText(c.n); got != c.text {
			t.Errorf("errnoText(%d) = %q, want %q", c.n, got, c.text)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, c := range []struct {
		in   string
		st   quoteStyle
		want string
	}{
		{"", quoteStyle{}, `""`},
		{"\x00", quoteStyle{}, `"\0"`},
		{"\x001", quoteStyle{}, `"\0001"`},
		{"\x0018", quoteStyle{}, `"\00018"`},
		{"\x018", quoteStyle{}, `"\18"`},
		{"\x1b[0m", quoteStyle{}, `"\33[0m"`},
		{"\x1b7", quoteStyle{}, `"\0337"`},
		{"\xff", quoteStyle{}, `"\377"`},
		{"a b~", quoteStyle{}, `"a b~"`},
		{"ab", quoteStyle{hex: true}, `"\x61\x62"`},
		{"/a<b>", quoteStyle{noQuotes: true, escape: "<>"}, `/a\74b\76`},
	} {
		if got := quote([]byte(c.in), c.st); got != c.want {
			t.Errorf("quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := quoteTrunc([]byte("abcdef"), 3, quoteStyle{}); got != `"abc"...` {
		t.Errorf("quoteTrunc = %s", got)
	}
}

func TestSets(t *testing.T) {
	if got := setProt.flagsText(0); got != "PROT_NONE" {
		t.Errorf("prot 0 = %s", got)
	}
	if got := setMsgFlags.flagsText(0); got != "0" {
		t.Errorf("msg flags 0 = %s", got)
	}
	if got := setMsgFlags.flagsText(1 << 40); got != "0x10000000000 /* MSG_??? */" {
		t.Errorf("unknown msg flag = %s", got)
	}
	if got := setWhence.enumText(9); got != "0x9 /* SEEK_??? */" {
		t.Errorf("unknown whence = %s", got)
	}
	if got := setWaitOptions.unknownComment(); got != " /* W??? */" && got != "" {
		t.Errorf("wait options comment = %q", got)
	}
	if got := cloneFlagsText(0); got != "0" {
		t.Errorf("clone 0 = %s", got)
	}
	if got := octalText(0); got != "000" {
		t.Errorf("octal 0 = %s", got)
	}
	if got := wstatusText(0x1234ff7f); !strings.HasPrefix(got, "[{WIFSTOPPED(s)") {
		t.Errorf("ptrace event status = %s", got)
	}
}

func TestSockaddrText(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, "{}"},
		{[]byte{1}, "{}"},
		{[]byte{byte(unix.AF_INET), 0, 0, 80}, `{sa_family=AF_INET, sa_data="\0P"}`},
		{[]byte{byte(unix.AF_INET6), 0, 1, 2}, `{sa_family=AF_INET6, sa_data="\1\2"}`},
		{[]byte{byte(unix.AF_NETLINK), 0}, `{sa_family=AF_NETLINK}`},            // strace 6.1: nothing past the family
		{[]byte{byte(unix.AF_UNIX), 0, 0}, `{sa_family=AF_UNIX, sun_path=@""}`}, // a NUL first: abstract
	} {
		if got, _ := SockaddrText(c.in); got != c.want {
			t.Errorf("SockaddrText(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// Exit twice keeps the first return; Decode without memory prints
// addresses.
func TestCallLifecycle(t *testing.T) {
	sig := byName()["close"]
	c := Decode(sig.nr, [6]uint64{3}, nil, Options{})
	if c.RetText() != "" || c.Done || c.Format() != "close(3)" {
		t.Fatalf("entry: %q %v %q", c.RetText(), c.Done, c.Format())
	}
	c.Exit(0, nil, Options{})
	c.Exit(-9, nil, Options{})
	if c.Format() != "close(3) = 0" || c.Errno != 0 {
		t.Errorf("exit: %q errno %d", c.Format(), c.Errno)
	}
	var nilCall *Call
	nilCall.Exit(0, nil, Options{}) // must not panic
	if got := (Options{StrSize: 1 << 30}).strSize(); got != maxStrSize {
		t.Errorf("strSize cap = %d", got)
	}
	args := Decode(byName()["openat"].nr, [6]uint64{3, bufA, 0}, nil, Options{}).Args
	if len(args) != 4 || args[0].Name != "dirfd" || args[1].Type != "path" || args[1].Text != "0x1000" || args[2].Type != "open_flags" || !args[3].Hidden {
		t.Errorf("openat args: %+v", args)
	}
}

// The kernel shrank the address length: [in => out], read at the exit.
func TestSocklenChanged(t *testing.T) {
	m := newMem()
	m.int32s(bufB, 128)
	nr, _ := Number("getpeername")
	c := Decode(nr, [6]uint64{3, bufA, bufB}, m, Options{})
	b := make([]byte, 16)
	binary.NativeEndian.PutUint16(b, unix.AF_INET)
	m.put(bufA, b)
	m.int32s(bufB, 16)
	c.Exit(0, m, Options{})
	if got, want := c.Format(), `getpeername(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, [128 => 16]) = 0`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A copy completes independently: each with its own options.
func TestCopy(t *testing.T) {
	m := newMem()
	m.put(bufA, []byte("abcdefgh"))
	nr, _ := Number("read")
	entry := Decode(nr, [6]uint64{3, bufA, 100}, m, Options{})
	a, b := entry.Copy(), entry.Copy()
	a.Exit(8, m, Options{StrSize: 2})
	b.Exit(8, m, Options{})
	if a.Format() != `read(3, "ab"..., 100) = 8` || b.Format() != `read(3, "abcdefgh", 100) = 8` || entry.Done {
		t.Errorf("copies: %s | %s | entry done %v", a.Format(), b.Format(), entry.Done)
	}
	if (*Call)(nil).Copy() != nil {
		t.Error("nil copy")
	}
}
