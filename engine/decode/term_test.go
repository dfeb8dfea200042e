package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines: strace 6.1 on x86_64 on a pty (posix_openpt) and on fd -1.
func TestTerminalIoctls(t *testing.T) {
	termios := func(iflag, oflag, cflag, lflag uint32) func(m *fakeMem) {
		return func(m *fakeMem) {
			b := make([]byte, 44)
			copy(b, structBytes(&[4]uint32{iflag, oflag, cflag, lflag}))
			m.put(bufA, b)
		}
	}
	cooked := termios(unix.ICRNL|unix.IXON, unix.OPOST|unix.ONLCR, unix.B38400|unix.CS8|unix.CREAD,
		unix.ISIG|unix.ICANON|unix.ECHO|unix.ECHOE|unix.ECHOK|unix.IEXTEN|unix.ECHOCTL|unix.ECHOKE)
	odd := termios(0, unix.OPOST|unix.ONLCR|unix.XTABS|unix.NL1|0x400000, unix.B38400|unix.B9600<<16|unix.CS8|unix.CSTOPB|unix.CREAD, 0)
	arg := func(fd, req uint64) map[string]uint64 {
		return map[string]uint64{"fd": fd, "request": req, "argp": bufA}
	}
	runCases(t, []tcase{
		{name: "TCGETS", sys: "ioctl", args: arg(4, unix.TCGETS), mem: cooked, ret: r(0),
			want: "ioctl(4, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0"},
		{name: "TCGETS not a tty", sys: "ioctl", args: arg(1, unix.TCGETS), mem: cooked, ret: r(-int64(unix.ENOTTY)),
			want: "ioctl(1, TCGETS, 0x1000) = -1 ENOTTY (Inappropriate ioctl for device)"},
		{name: "TCSETS empty flags, input baud", sys: "ioctl", args: arg(4, unix.TCSETS), mem: odd, ret: r(0),
			want: "ioctl(4, SNDCTL_TMR_START or TCSETS, {c_iflag=, c_oflag=NL1|CR0|XTABS|BS0|VT0|FF0|OPOST|ONLCR|0x400000, c_cflag=B38400|B9600<<IBSHIFT|CS8|CSTOPB|CREAD, c_lflag=, ...}) = 0"},
		{name: "TCSETSW at entry", sys: "ioctl", args: arg(0xffffffff, unix.TCSETSW), mem: termios(0, 0, 0x1003, 0), ret: r(-int64(unix.EBADF)),
			want: "ioctl(-1, SNDCTL_TMR_STOP or TCSETSW, {c_iflag=, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|, c_cflag=B230400|CS5|, c_lflag=, ...}) = -1 EBADF (Bad file descriptor)"},
		{name: "TCGETA short flags", sys: "ioctl", args: arg(4, unix.TCGETA), ret: r(0),
			mem: func(m *fakeMem) {
				m.put(bufA, structBytes(&[9]uint16{unix.ICRNL, unix.OPOST | unix.ONLCR | unix.XTABS, unix.B38400 | unix.CS8 | unix.CSTOPB | unix.CREAD, 0}))
			},
			want: "ioctl(4, TCGETA, {c_iflag=ICRNL, c_oflag=NL0|CR0|XTABS|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CSTOPB|CREAD, c_lflag=, ...}) = 0"},
		{name: "TIOCSWINSZ", sys: "ioctl", args: arg(4, unix.TIOCSWINSZ), mem: func(m *fakeMem) { m.put(bufA, structBytes(&[4]uint16{24, 80, 1, 2})) }, ret: r(0),
			want: "ioctl(4, TIOCSWINSZ, {ws_row=24, ws_col=80, ws_xpixel=1, ws_ypixel=2}) = 0"},
		{name: "TIOCGWINSZ failed", sys: "ioctl", args: arg(1, unix.TIOCGWINSZ), mem: func(m *fakeMem) { m.put(bufA, make([]byte, 8)) }, ret: r(-int64(unix.ENOTTY)),
			want: "ioctl(1, TIOCGWINSZ, 0x1000) = -1 ENOTTY (Inappropriate ioctl for device)"},
		{name: "TIOCMBIS", sys: "ioctl", args: arg(4, unix.TIOCMBIS), mem: func(m *fakeMem) { m.int32s(bufA, 0x10006) }, ret: r(-int64(unix.ENOTTY)),
			want: "ioctl(4, TIOCMBIS, [TIOCM_DTR|TIOCM_RTS|0x10000]) = -1 ENOTTY (Inappropriate ioctl for device)"},
		{name: "TIOCMSET 0", sys: "ioctl", args: arg(0xffffffff, unix.TIOCMSET), mem: func(m *fakeMem) { m.int32s(bufA, 0) }, ret: r(-int64(unix.EBADF)),
			want: "ioctl(-1, TIOCMSET, [0]) = -1 EBADF (Bad file descriptor)"},
		{name: "TIOCSTI", sys: "ioctl", args: arg(0xffffffff, unix.TIOCSTI), mem: func(m *fakeMem) { m.str(bufA, "x") }, ret: r(-int64(unix.EBADF)),
			want: `ioctl(-1, TIOCSTI, "x") = -1 EBADF (Bad file descriptor)`},
		{name: "TIOCSIG in hex", sys: "ioctl", args: map[string]uint64{"fd": 0xffffffff, "request": unix.TIOCSIG, "argp": 2}, ret: r(-int64(unix.EBADF)),
			want: "ioctl(-1, TIOCSIG, 0x2) = -1 EBADF (Bad file descriptor)"},
		{name: "TIOCGDEV", sys: "ioctl", args: arg(4, unix.TIOCGDEV), mem: func(m *fakeMem) { m.int32s(bufA, 34816) }, ret: r(0),
			want: "ioctl(4, TIOCGDEV, [34816]) = 0"},
		{name: "KDSKBMODE unknown in decimal", sys: "ioctl", args: map[string]uint64{"fd": 0xffffffff, "request": 0x4b45 /* KDSKBMODE */, "argp": 77}, ret: r(-int64(unix.EBADF)),
			want: "ioctl(-1, KDSKBMODE, 77 /* K_??? */) = -1 EBADF (Bad file descriptor)"},
		{name: "FICLONE's descriptor", sys: "ioctl", args: map[string]uint64{"fd": 5, "request": unix.FICLONE, "argp": 3}, ret: r(0),
			want: "ioctl(5, BTRFS_IOC_CLONE or FICLONE, 3) = 0"},
		{name: "BLKDISCARD range", sys: "ioctl", args: arg(0xffffffff, unix.BLKDISCARD), mem: func(m *fakeMem) { m.words(bufA, 0, 4096) }, ret: r(-int64(unix.EBADF)),
			want: "ioctl(-1, BLKDISCARD, [0, 4096]) = -1 EBADF (Bad file descriptor)"},
	})
}
