package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestFcntl(t *testing.T) {
	setlk := unix.Flock_t{Type: unix.F_RDLCK, Whence: unix.SEEK_SET, Start: 0, Len: 4096}
	getlk := unix.Flock_t{Type: unix.F_UNLCK, Whence: unix.SEEK_SET, Start: 0, Len: 4096, Pid: 0}
	owner := func(m *fakeMem) { m.int32s(bufA, 1, 1234567890) }
	cmd := func(c uint64) uint64 { return 0xffffffff00000000 | c } // junk above the int
	runCases(t, []tcase{
		{name: "F_SETLK", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": cmd(unix.F_SETLK), "arg": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&setlk)) }, ret: r(0),
			want: "fcntl(0, F_SETLK, {l_type=F_RDLCK, l_whence=SEEK_SET, l_start=0, l_len=4096}) = 0"},
		{name: "F_SETLKW unreadable", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_SETLKW, "arg": bufA + 1}, ret: r(-int64(unix.EFAULT)),
			want: "fcntl(0, F_SETLKW, 0x1001) = -1 EFAULT (Bad address)"},
		{name: "F_GETLK at entry", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_GETLK, "arg": bufA},
			mem:  func(m *fakeMem) { m.put(bufA, structBytes(&setlk)) },
			want: "fcntl(0, F_GETLK, 0x1000)"},
		{name: "F_GETLK", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_GETLK, "arg": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&getlk)) }, ret: r(0),
			want: "fcntl(0, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=4096, l_pid=0}) = 0"},
		{name: "F_OFD_GETLK failed", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_OFD_GETLK, "arg": bufA},
			mem: func(m *fakeMem) { m.put(bufA, structBytes(&getlk)) }, ret: r(-int64(unix.EBADF)),
			want: "fcntl(0, F_OFD_GETLK, 0x1000) = -1 EBADF (Bad file descriptor)"},
		{name: "F_SETOWN_EX", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_SETOWN_EX, "arg": bufA},
			mem: owner, ret: r(-int64(unix.ESRCH)),
			want: "fcntl(0, F_SETOWN_EX, {type=F_OWNER_PID, pid=1234567890}) = -1 ESRCH (No such process)"},
		{name: "F_GETOWN_EX unknown type", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_GETOWN_EX, "arg": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 7, 42) }, ret: r(0),
			want: "fcntl(0, F_GETOWN_EX, {type=0x7 /* F_OWNER_??? */, pid=42}) = 0"},
		{name: "F_NOTIFY", sys: "fcntl", args: map[string]uint64{"fd": 0, "cmd": unix.F_NOTIFY, "arg": 0x80000001}, ret: r(0),
			want: "fcntl(0, F_NOTIFY, DN_ACCESS|DN_MULTISHOT) = 0"},
		{name: "F_SETLEASE", sys: "fcntl", args: map[string]uint64{"fd": 1, "cmd": unix.F_SETLEASE, "arg": unix.F_RDLCK}, ret: r(-int64(unix.EAGAIN)),
			want: "fcntl(1, F_SETLEASE, F_RDLCK) = -1 EAGAIN (Resource temporarily unavailable)"},
		{name: "F_SETSIG", sys: "fcntl", args: map[string]uint64{"fd": 1, "cmd": unix.F_SETSIG, "arg": 1}, ret: r(0),
			want: "fcntl(1, F_SETSIG, SIGHUP) = 0"},
		{name: "F_ADD_SEALS", sys: "fcntl", args: map[string]uint64{"fd": 3, "cmd": unix.F_ADD_SEALS, "arg": unix.F_SEAL_SEAL | unix.F_SEAL_WRITE | 0x100}, ret: r(0),
			want: "fcntl(3, F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_WRITE|0x100) = 0"},
		{name: "F_GETLEASE", sys: "fcntl", args: map[string]uint64{"fd": 1, "cmd": unix.F_GETLEASE}, ret: r(unix.F_UNLCK),
			want: "fcntl(1, F_GETLEASE) = 0x2 (F_UNLCK)"},
		{name: "F_GETSIG", sys: "fcntl", args: map[string]uint64{"fd": 1, "cmd": unix.F_GETSIG}, ret: r(1),
			want: "fcntl(1, F_GETSIG) = 1 (SIGHUP)"},
		{name: "F_GETSIG 0", sys: "fcntl", args: map[string]uint64{"fd": 1, "cmd": unix.F_GETSIG}, ret: r(0),
			want: "fcntl(1, F_GETSIG) = 0"},
		{name: "F_GET_SEALS", sys: "fcntl", args: map[string]uint64{"fd": 3, "cmd": unix.F_GET_SEALS}, ret: r(unix.F_SEAL_SEAL | unix.F_SEAL_GROW),
			want: "fcntl(3, F_GET_SEALS) = 0x5 (seals F_SEAL_SEAL|F_SEAL_GROW)"},
	})
}
