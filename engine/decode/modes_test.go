package decode

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

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

func utcForTest(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = old })
}

// Verbose (-v) structures, in strace 6.1's field order (its stat, statx,
// uname, getrusage and wait4 tests' expected lines).
func TestVerboseStructs(t *testing.T) {
	utcForTest(t)
	st := unix.Stat_t{Dev: 0xfe00, Ino: 9986450, Mode: unix.S_IFREG | 0o640, Nlink: 1, Blksize: 4096, Size: 43147718418,
		Atim: unix.Timespec{Sec: -10843, Nsec: 135}, Mtim: unix.Timespec{Sec: -10841, Nsec: 246},
		Ctim: unix.Timespec{Sec: 1796286300, Nsec: 145748434}}
	dev := unix.Stat_t{Dev: 6, Ino: 5, Mode: unix.S_IFCHR | 0o666, Nlink: 1, Blksize: 4096, Rdev: 0x107}
	stx := unix.Statx_t{Mask: unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_SIZE | unix.STATX_MTIME | unix.STATX_MNT_ID,
		Blksize: 4096, Nlink: 1, Mode: unix.S_IFREG | 0o640, Ino: 7, Size: 10, Attributes_mask: unix.STATX_ATTR_APPEND,
		Mtime: unix.StatxTimestamp{Sec: 1, Nsec: 5}, Dev_major: 254, Mnt_id: 0x1c}
	ru := unix.Rusage{Utime: unix.Timeval{Usec: 2983}, Maxrss: 7232, Minflt: 334, Nvcsw: 32, Nivcsw: 18}
	var uts unix.Utsname
	for _, f := range []struct {
		dst []byte
		v   string
	}{{uts.Sysname[:], "Linux"}, {uts.Nodename[:], "vm"}, {uts.Release[:], "6.1"}, {uts.Version[:], "#1 SMP"}, {uts.Machine[:], "x86_64"}, {uts.Domainname[:], "(none)"}} {
		copy(f.dst, f.v)
	}
	v := Options{Verbose: true}
	runCases(t, []tcase{
		{name: "fstat -v", sys: "fstat", args: map[string]uint64{"fd": 0, "statbuf": bufA}, o: v, ret: r(0),
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&st)) },
			want: "fstat(0, {st_dev=makedev(0xfe, 0), st_ino=9986450, st_mode=S_IFREG|0640, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=0, st_size=43147718418, " +
				"st_atime=-10843 /* 1969-12-31T20:59:17.000000135+0000 */, st_atime_nsec=135, st_mtime=-10841 /* 1969-12-31T20:59:19.000000246+0000 */, st_mtime_nsec=246, " +
				"st_ctime=1796286300 /* 2026-12-03T08:25:00.145748434+0000 */, st_ctime_nsec=145748434}) = 0"},
		{name: "fstat -v device, zero times", sys: "fstat", args: map[string]uint64{"fd": 0, "statbuf": bufA}, o: v, ret: r(0),
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&dev)) },
			want: "fstat(0, {st_dev=makedev(0, 0x6), st_ino=5, st_mode=S_IFCHR|0666, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=0, st_rdev=makedev(0x1, 0x7), " +
				"st_atime=0, st_atime_nsec=0, st_mtime=0, st_mtime_nsec=0, st_ctime=0, st_ctime_nsec=0}) = 0"},
		{name: "fstat", sys: "fstat", args: map[string]uint64{"fd": 0, "statbuf": bufA}, ret: r(0),
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&st)) },
			want: "fstat(0, {st_mode=S_IFREG|0640, st_size=43147718418, ...}) = 0"},
		{name: "statx -v", sys: "statx", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufB, "mask": unix.STATX_ALL, "statxbuf": bufA}, o: v, ret: r(0),
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&stx)); m.str(bufB, "f") },
			want: `statx(AT_FDCWD, "f", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_TYPE|STATX_MODE|STATX_MTIME|STATX_SIZE|STATX_MNT_ID, stx_blksize=4096, stx_attributes=0, ` +
				`stx_mode=S_IFREG|0640, stx_size=10, stx_attributes_mask=STATX_ATTR_APPEND, stx_mtime={tv_sec=1, tv_nsec=5} /* 1970-01-01T00:00:01.000000005+0000 */, ` +
				`stx_rdev_major=0, stx_rdev_minor=0, stx_dev_major=254, stx_dev_minor=0, stx_mnt_id=0x1c}) = 0`},
		{name: "statx without -v follows the mask", sys: "statx", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufB, "flags": 0x6000, "statxbuf": bufA}, ret: r(0),
			mem: func(m *fakeMem) {
				m.put(bufA, structBytes(&unix.Statx_t{Mask: unix.STATX_SIZE, Size: 3, Mode: 0o777}))
				m.str(bufB, "f")
			},
			want: `statx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC, 0, {stx_mask=STATX_SIZE, stx_attributes=0, stx_size=3, ...}) = 0`},
		{name: "uname -v", sys: "uname", args: map[string]uint64{"buf": bufA}, o: v, ret: r(0),
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&uts)) },
			want: `uname({sysname="Linux", nodename="vm", release="6.1", version="#1 SMP", machine="x86_64", domainname="(none)"}) = 0`},
		{name: "getrusage -v", sys: "getrusage", args: map[string]uint64{"who": 0, "usage": bufA}, o: v, ret: r(0),
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&ru)) },
			want: "getrusage(RUSAGE_SELF, {ru_utime={tv_sec=0, tv_usec=2983}, ru_stime={tv_sec=0, tv_usec=0}, ru_maxrss=7232, ru_ixrss=0, ru_idrss=0, ru_isrss=0, " +
				"ru_minflt=334, ru_majflt=0, ru_nswap=0, ru_inblock=0, ru_oublock=0, ru_msgsnd=0, ru_msgrcv=0, ru_nsignals=0, ru_nvcsw=32, ru_nivcsw=18}) = 0"},
		{name: "getrusage", sys: "getrusage", args: map[string]uint64{"who": 0, "usage": bufA}, ret: r(0),
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&ru)) },
			want: "getrusage(RUSAGE_SELF, {ru_utime={tv_sec=0, tv_usec=2983}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 0"},
		{name: "getrusage unreadable", sys: "getrusage", args: map[string]uint64{"who": 0, "usage": bufA}, ret: r(0),
			want: "getrusage(RUSAGE_SELF, 0x1000) = 0"},
		{name: "wait4 reaped", sys: "wait4", args: map[string]uint64{"pid": 7, "wstatus": bufB, "options": unix.WSTOPPED, "rusage": bufA}, ret: r(7),
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&ru)); m.int32s(bufB, 0x137f) },
			want: "wait4(7, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, {ru_utime={tv_sec=0, tv_usec=2983}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 7"},
		{name: "wait4 WNOHANG nothing", sys: "wait4", args: map[string]uint64{"pid": 7, "wstatus": bufB, "options": unix.WNOHANG, "rusage": bufA}, ret: r(0),
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&ru)) },
			want: "wait4(7, 0x2000, WNOHANG, 0x1000) = 0"},
	})
}

func TestOpenFlagsInternalBits(t *testing.T) {
	runCases(t, []tcase{
		{name: "__O_SYNC", sys: "openat", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufA, "flags": 0x100000},
			mem: func(m *fakeMem) { m.str(bufA, "f") }, ret: r(-9), want: `openat(AT_FDCWD, "f", O_RDONLY|__O_SYNC) = -1 EBADF (Bad file descriptor)`},
		{name: "O_SYNC", sys: "openat", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufA, "flags": unix.O_SYNC},
			mem: func(m *fakeMem) { m.str(bufA, "f") }, ret: r(3), want: `openat(AT_FDCWD, "f", O_RDONLY|O_SYNC) = 3`},
		{name: "__O_TMPFILE", sys: "openat", args: map[string]uint64{"dirfd": uint64(0xffffff9c), "pathname": bufA, "flags": 0x400000},
			mem: func(m *fakeMem) { m.str(bufA, "f") }, ret: r(-22), want: `openat(AT_FDCWD, "f", O_RDONLY|__O_TMPFILE, 000) = -1 EINVAL (Invalid argument)`},
	})
}

// pollfds builds struct pollfd entries.
func pollfds(fdEventsRevents ...int32) []byte {
	var b []byte
	for j := 0; j+2 < len(fdEventsRevents); j += 3 {
		e := make([]byte, 8)
		binary.NativeEndian.PutUint32(e, uint32(fdEventsRevents[j]))
		binary.NativeEndian.PutUint16(e[4:], uint16(fdEventsRevents[j+1]))
		binary.NativeEndian.PutUint16(e[6:], uint16(fdEventsRevents[j+2]))
		b = append(b, e...)
	}
	return b
}

// Arrays as strace's print_array prints them: -s elements unless -v,
// "... /* 0xADDR */" where memory ends after the first element, the
// address when the first one is unreadable (strace's poll, poll@s,
// pwritev and execve tests).
func TestArrays(t *testing.T) {
	in, out := int32(unix.POLLIN), int32(unix.POLLOUT)
	// bufA+0x1000-8: one pollfd, then unmapped memory.
	edge := uint64(bufA + 0x1000 - 8)
	runCases(t, []tcase{
		{name: "poll negative fd", sys: "poll", args: map[string]uint64{"fds": bufA, "nfds": 3, "timeout": 42}, ret: r(2),
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(-1, in, 0, 1, out, out, 5, out, out)) },
			want: "poll([{fd=-1}, {fd=1, events=POLLOUT}, {fd=5, events=POLLOUT}], 3, 42) = 2 ([{fd=1, revents=POLLOUT}, {fd=5, revents=POLLOUT}])"},
		{name: "poll -s 1", sys: "poll", args: map[string]uint64{"fds": bufA, "nfds": 3, "timeout": 42}, ret: r(2), o: Options{StrSize: 1},
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(-1, in, 0, 1, out, out, 5, out, out)) },
			want: "poll([{fd=-1}, ...], 3, 42) = 2 ([{fd=1, revents=POLLOUT}, ...])"},
		{name: "poll -s 0", sys: "poll", args: map[string]uint64{"fds": bufA, "nfds": 3, "timeout": 42}, ret: r(2), o: Options{StrSize: -1},
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(-1, in, 0, 1, out, out, 5, out, out)) },
			want: "poll([...], 3, 42) = 2 ([...])"},
		{name: "poll -s 1 -v", sys: "poll", args: map[string]uint64{"fds": bufA, "nfds": 3, "timeout": 42}, ret: r(2), o: Options{StrSize: 1, Verbose: true},
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(-1, in, 0, 1, out, out, 5, out, out)) },
			want: "poll([{fd=-1}, {fd=1, events=POLLOUT}, {fd=5, events=POLLOUT}], 3, 42) = 2 ([{fd=1, revents=POLLOUT}, {fd=5, revents=POLLOUT}])"},
		{name: "poll partly readable", sys: "poll", args: map[string]uint64{"fds": edge, "nfds": 2, "timeout": 0}, ret: r(-14),
			mem:  func(m *fakeMem) { m.put(edge, pollfds(-5, 0, 0)) },
			want: "poll([{fd=-5}, ... /* 0x2000 */], 2, 0) = -1 EFAULT (Bad address)"},
		{name: "poll unreadable", sys: "poll", args: map[string]uint64{"fds": bufB, "nfds": 1, "timeout": 0}, ret: r(-14), o: Options{StrSize: -1},
			want: "poll(0x2000, 1, 0) = -1 EFAULT (Bad address)"},
		{name: "poll timeout", sys: "poll", args: map[string]uint64{"fds": 0, "nfds": 0, "timeout": 42}, ret: r(0),
			want: "poll(NULL, 0, 42) = 0 (Timeout)"},
		{name: "pwritev partly readable", sys: "pwritev", args: map[string]uint64{"fd": 0, "iov": bufA + 0x1000 - 16, "iovcnt": 3, "offset": 1}, ret: r(-14),
			mem: func(m *fakeMem) {
				m.words(bufA+0x1000-16, bufC, 2)
				m.put(bufC, []byte{1, 2})
			},
			want: `pwritev(0, [{iov_base="\1\2", iov_len=2}, ... /* 0x2000 */], 3, 1) = -1 EFAULT (Bad address)`},
		{name: "execve partly readable argv, unterminated envp", sys: "execve", args: map[string]uint64{"pathname": bufC, "argv": bufA + 0x1000 - 16, "envp": bufB + 0x1000 - 8}, ret: r(-13),
			mem: func(m *fakeMem) {
				m.str(bufC, "x")
				m.words(bufA+0x1000-16, bufC, ^uint64(0))
				m.words(bufB+0x1000-8, bufC)
			},
			want: `execve("x", ["x", 0xffffffffffffffff, ... /* 0x2000 */], 0x2ff8 /* 1 var, unterminated */) = -1 EACCES (Permission denied)`},
		{name: "execve -v", sys: "execve", args: map[string]uint64{"pathname": bufC, "argv": bufA, "envp": bufB}, ret: r(-13), o: Options{Verbose: true, StrSize: 1},
			mem: func(m *fakeMem) {
				m.str(bufC, "x")
				m.str(bufD, "A=1")
				m.words(bufA, bufC, bufC, 0)
				m.words(bufB, bufD, bufD, 0)
			},
			want: `execve("x", ["x", "x"], ["A"..., "A"...]) = -1 EACCES (Permission denied)`},
		{name: "execve -s 1", sys: "execve", args: map[string]uint64{"pathname": bufC, "argv": bufA, "envp": bufB}, ret: r(-13), o: Options{StrSize: 1},
			mem: func(m *fakeMem) {
				m.str(bufC, "x")
				m.words(bufA, bufC, bufC, 0)
				m.words(bufB, 0)
			},
			want: `execve("x", ["x", ...], 0x2000 /* 0 vars */) = -1 EACCES (Permission denied)`},
	})
}

// dirent64 builds one struct linux_dirent64 record of reclen bytes.
func dirent64(ino, off uint64, reclen int, typ byte, name string) []byte {
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b, ino)
	binary.NativeEndian.PutUint64(b[8:], off)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	b[18] = typ
	copy(b[19:], name)
	return b
}

// direntOld builds one struct linux_dirent record: d_type is its last byte.
func direntOld(ino, off uint64, reclen int, typ byte, name string) []byte {
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b, ino)
	binary.NativeEndian.PutUint64(b[8:], off)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	copy(b[18:], name)
	b[reclen-1] = typ
	return b
}

// getdents as strace's decode_dents prints it (checked against strace 6.1
// -v on a directory of this shape).
func TestDirents(t *testing.T) {
	two := append(dirent64(9978499, 1, 24, unix.DT_DIR, "."), dirent64(9979745, 2, 32, unix.DT_REG, "abcdefghijkl")...)
	dents := func(b []byte) func(m *fakeMem) { return func(m *fakeMem) { m.put(bufA, b) } }
	v := Options{Verbose: true}
	runCases(t, []tcase{
		{name: "-v", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(56), o: v, mem: dents(two),
			want: `getdents64(3, [{d_ino=9978499, d_off=1, d_reclen=24, d_type=DT_DIR, d_name="."}, {d_ino=9979745, d_off=2, d_reclen=32, d_type=DT_REG, d_name="abcdefghijkl"}], 32768) = 56`},
		{name: "-v end", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(0), o: v, mem: dents(two),
			want: `getdents64(3, [], 32768) = 0`},
		{name: "one record", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(24), mem: dents(two),
			want: `getdents64(3, 0x1000 /* 1 entries */, 32768) = 24`},
		{name: "unreadable", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(48),
			want: `getdents64(3, 0x1000 /* 0+ entries */, 32768) = 48`},
		{name: "unreadable -v", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(48), o: v,
			want: `getdents64(3, 0x1000, 32768) = 48`},
		{name: "d_reclen underflow", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 32768}, ret: r(48),
			mem: func(m *fakeMem) {
				b := append(dirent64(1, 1, 24, 0, "a"), dirent64(1, 1, 24, 0, "b")...)
				binary.NativeEndian.PutUint16(b[16:], 0)
				m.put(bufA, b)
			},
			want: `getdents64(3, 0x1000 /* d_reclen 19 bytes underflow */ /* 1+ entries */, 32768) = 48`},
		{name: "more than returned", sys: "getdents64", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 16}, ret: r(24), mem: dents(two),
			want: `getdents64(3, 0x1000, 16) = 24`},
		{name: "old layout -v", sys: "getdents", args: map[string]uint64{"fd": 3, "dirp": bufA, "count": 64}, ret: r(24), o: v,
			mem:  dents(direntOld(5, 9, 24, unix.DT_LNK, "ab")),
			want: `getdents(3, [{d_ino=5, d_off=9, d_reclen=24, d_name="ab", d_type=DT_LNK}], 64) = 24`},
	})
}

func TestSockaddrAndEpollModes(t *testing.T) {
	ev := func(events uint32, data uint64) []byte {
		b := make([]byte, epollEventSize)
		binary.NativeEndian.PutUint32(b, events)
		binary.NativeEndian.PutUint64(b[len(b)-8:], data)
		return b
	}
	evs := append(append(ev(unix.EPOLLIN, 1), ev(unix.EPOLLOUT, 2)...), ev(unix.EPOLLIN, 3)...)
	sun := append([]byte{unix.AF_UNIX, 0}, "/run/s\x00"...)
	runCases(t, []tcase{
		{name: "connect -xx", sys: "connect", args: map[string]uint64{"sockfd": 3, "addr": bufA, "addrlen": uint64(len(sun))}, ret: r(0), o: Options{Hex: HexAll},
			mem:  func(m *fakeMem) { m.put(bufA, sun) },
			want: `connect(3, {sa_family=AF_UNIX, sun_path="\x2f\x72\x75\x6e\x2f\x73"}, 9) = 0`},
		{name: "epoll_wait -s 2", sys: "epoll_wait", args: map[string]uint64{"epfd": 4, "events": bufA, "maxevents": 8, "timeout": -1 & 0xffffffff}, ret: r(3), o: Options{StrSize: 2},
			mem:  func(m *fakeMem) { m.put(bufA, evs) },
			want: `epoll_wait(4, [{events=EPOLLIN, data={u32=1, u64=1}}, {events=EPOLLOUT, data={u32=2, u64=2}}, ...], 8, -1) = 3`},
		{name: "epoll_wait -s 2 -v", sys: "epoll_wait", args: map[string]uint64{"epfd": 4, "events": bufA, "maxevents": 8, "timeout": -1 & 0xffffffff}, ret: r(3), o: Options{StrSize: 2, Verbose: true},
			mem:  func(m *fakeMem) { m.put(bufA, evs) },
			want: `epoll_wait(4, [{events=EPOLLIN, data={u32=1, u64=1}}, {events=EPOLLOUT, data={u32=2, u64=2}}, {events=EPOLLIN, data={u32=3, u64=3}}], 8, -1) = 3`},
	})
}

// strace's poll note lives in a 1024-byte buffer: with 40 ready
// descriptors it shows 39 and "..." (strace 6.1 -v on 40 pollfds).
func TestPollNoteBuffer(t *testing.T) {
	var fds []int32
	var want []string
	for j := 0; j < 40; j++ {
		fds = append(fds, 1, int32(unix.POLLOUT), int32(unix.POLLOUT))
		if j < 39 {
			want = append(want, "{fd=1, revents=POLLOUT}")
		}
	}
	want = append(want, "...")
	s := &state{c: &Call{Done: true, Ret: 40}, mem: newMem(), o: Options{Verbose: true}}
	s.mem.(*fakeMem).put(bufA, pollfds(fds...))
	pollNote(s, bufA, 40, 0)
	if w := " ([" + strings.Join(want, ", ") + "])"; s.c.retNote != w {
		t.Errorf("note\n got %s\nwant %s", s.c.retNote, w)
	}
}

func TestTimeComment(t *testing.T) {
	utcForTest(t)
	for _, c := range []struct {
		sec  int64
		part uint64
		want string
	}{
		{0, 0, ""},
		{0, 1, " /* 1970-01-01T00:00:00.000000001+0000 */"},
		{1, 0, " /* 1970-01-01T00:00:01+0000 */"},
		{1, 1000000000, ""}, // not a valid fraction
		{-1, 5, " /* 1969-12-31T23:59:59.000000005+0000 */"},
		{1 << 62, 0, ""},
		{-1 << 63, 0, ""},
		{1 << 59, 0, ""}, // year 18 billion: localtime fails
	} {
		if got := dateComment(c.sec, c.part); got != c.want {
			t.Errorf("dateComment(%d, %d) = %q, want %q", c.sec, c.part, got, c.want)
		}
	}
}

func TestGroupsArray(t *testing.T) {
	runCases(t, []tcase{
		{name: "getgroups -s 2", sys: "getgroups", args: map[string]uint64{"size": 8, "list": bufA}, ret: r(3), o: Options{StrSize: 2},
			mem:  func(m *fakeMem) { m.int32s(bufA, 0, 4, -1) },
			want: "getgroups(8, [0, 4, ...]) = 3"},
		{name: "getgroups -s 2 -v", sys: "getgroups", args: map[string]uint64{"size": 8, "list": bufA}, ret: r(3), o: Options{StrSize: 2, Verbose: true},
			mem:  func(m *fakeMem) { m.int32s(bufA, 0, 4, -1) },
			want: "getgroups(8, [0, 4, -1]) = 3"},
		{name: "setgroups partly readable", sys: "setgroups", args: map[string]uint64{"size": 2, "list": bufA + 0x1000 - 4}, ret: r(-14),
			mem:  func(m *fakeMem) { m.int32s(bufA+0x1000-4, 27) },
			want: "setgroups(2, [27, ... /* 0x2000 */]) = -1 EFAULT (Bad address)"},
	})
}

// ppoll's note ends with the time the kernel left in the timeout
// (strace 6.1 on ppoll with a 5 s timeout and ready descriptors).
func TestPpollLeft(t *testing.T) {
	ts := unix.Timespec{Sec: 4, Nsec: 999997986}
	runCases(t, []tcase{
		{name: "ppoll left", sys: "ppoll", args: map[string]uint64{"fds": bufA, "nfds": 1, "tmo_p": bufB, "sigsetsize": 8}, ret: r(1),
			mem: func(m *fakeMem) {
				m.put(bufA, pollfds(1, int32(unix.POLLOUT), int32(unix.POLLOUT)))
				m.put(bufB, structBytes(&ts))
			},
			want: "ppoll([{fd=1, events=POLLOUT}], 1, {tv_sec=4, tv_nsec=999997986}, NULL, 8) = 1 ([{fd=1, revents=POLLOUT}], left {tv_sec=4, tv_nsec=999997986})"},
		{name: "ppoll no timeout", sys: "ppoll", args: map[string]uint64{"fds": bufA, "nfds": 1, "sigsetsize": 8}, ret: r(1),
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(1, int32(unix.POLLOUT), int32(unix.POLLOUT))) },
			want: "ppoll([{fd=1, events=POLLOUT}], 1, NULL, NULL, 8) = 1 ([{fd=1, revents=POLLOUT}])"},
		{name: "ppoll timeout unreadable at exit", sys: "ppoll", args: map[string]uint64{"fds": bufA, "nfds": 1, "tmo_p": bufC, "sigsetsize": 8}, ret: r(1),
			mem:  func(m *fakeMem) { m.put(bufA, pollfds(1, int32(unix.POLLOUT), int32(unix.POLLOUT))) },
			want: "ppoll([{fd=1, events=POLLOUT}], 1, 0x3000, NULL, 8) = 1 ([{fd=1, revents=POLLOUT}], left 0x3000)"},
	})
}
