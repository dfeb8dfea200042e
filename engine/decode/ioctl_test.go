package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines: strace 6.1 on x86_64 for the same requests on fd -1.
func TestIoctlNames(t *testing.T) {
	req := func(code uint64) map[string]uint64 {
		return map[string]uint64{"fd": 0xffffffff, "request": code, "argp": bufA}
	}
	ebadf := r(-int64(unix.EBADF))
	const tail = " = -1 EBADF (Bad file descriptor)"
	runCases(t, []tcase{
		{name: "two names", sys: "ioctl", args: req(unix.FICLONE), ret: ebadf,
			want: "ioctl(-1, BTRFS_IOC_CLONE or FICLONE, 4096)" + tail},
		{name: "two names sorted", sys: "ioctl", args: req(0x80044801), ret: ebadf,
			want: "ioctl(-1, HIDIOCGRDESCSIZE or HIDIOCGVERSION, 0x1000)" + tail},
		{name: "hiddev family", sys: "ioctl", args: req(0x80084812), ret: ebadf,
			want: "ioctl(-1, HIDIOCGPHYS(8), 0x1000)" + tail},
		{name: "evdev bits", sys: "ioctl", args: req(0x80084521), ret: ebadf,
			want: "ioctl(-1, EVIOCGBIT(EV_KEY, 8), 0x1000)" + tail},
		{name: "evdev bits 0", sys: "ioctl", args: req(0x80044520), ret: ebadf,
			want: "ioctl(-1, EVIOCGBIT(0, 4), 0x1000)" + tail},
		{name: "evdev abs", sys: "ioctl", args: req(0x80184541), ret: ebadf,
			want: "ioctl(-1, EVIOCGABS(ABS_Y), 0x1000)" + tail},
		{name: "mixer and mtd", sys: "ioctl", args: req(0x80044d0d), mem: func(m *fakeMem) { m.int32s(bufA, 0) }, ret: ebadf,
			want: "ioctl(-1, MIXER_READ(13) or OTPSELECT, [MTD_OTP_OFF])" + tail},
		{name: "mixer write", sys: "ioctl", args: req(0x40044d02), ret: ebadf,
			want: "ioctl(-1, MIXER_WRITE(2), 0x1000)" + tail},
		{name: "v4l2 NULL", sys: "ioctl", args: map[string]uint64{"fd": 0xffffffff, "request": 0xc050561a, "argp": 0}, ret: ebadf,
			want: "ioctl(-1, VIDIOC_ENUMINPUT, NULL)" + tail},
		{name: "v4l2 index", sys: "ioctl", args: req(0xc050561a), mem: func(m *fakeMem) { m.put(bufA, make([]byte, v4l2InputSize)) }, ret: ebadf,
			want: "ioctl(-1, VIDIOC_ENUMINPUT, {index=0})" + tail},
		{name: "unknown", sys: "ioctl", args: req(0x8008dead), ret: ebadf,
			want: "ioctl(-1, _IOC(_IOC_READ, 0xde, 0xad, 0x8), 0x1000)" + tail},
		{name: "no argument", sys: "ioctl", args: req(0xc0045877), ret: ebadf,
			want: "ioctl(-1, FIFREEZE)" + tail},
		{name: "pointer argument", sys: "ioctl", args: map[string]uint64{"fd": 0xffffffff, "request": unix.TIOCGWINSZ, "argp": 0}, ret: ebadf,
			want: "ioctl(-1, TIOCGWINSZ, NULL)" + tail},
		{name: "tcflsh", sys: "ioctl", args: map[string]uint64{"fd": 0, "request": unix.TCFLSH, "argp": unix.TCIOFLUSH}, ret: r(0),
			want: "ioctl(0, TCFLSH, TCIOFLUSH) = 0"},
		{name: "tcxonc unknown", sys: "ioctl", args: map[string]uint64{"fd": 0, "request": unix.TCXONC, "argp": 9}, ret: ebadf,
			want: "ioctl(0, TCXONC, 0x9 /* TC??? */)" + tail},
		{name: "alias strace drops", sys: "ioctl", args: req(unix.TCSETSW), ret: ebadf,
			want: "ioctl(-1, SNDCTL_TMR_STOP or TCSETSW, 0x1000)" + tail},
	})
}
