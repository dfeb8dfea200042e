package decode

import (
	"encoding/binary"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ioctl request names as strace 6.1 prints them: the families strace
// spells with their parameters (EVIOCGBIT(EV_KEY, 8), HIDIOCGPHYS(8),
// MIXER_READ(13)), then every name the table has for the code, " or "
// between them, else _IOC(dir, type, nr, size).

const (
	iocRead  = 2
	iocWrite = 1
)

func iocDir(v uint32) uint32  { return v >> 30 }
func iocType(v uint32) uint32 { return (v >> 8) & 0xff }
func iocNr(v uint32) uint32   { return v & 0xff }
func iocSize(v uint32) uint32 { return (v >> 16) & 0x3fff }

// ioctlNames maps a code to its names in strace's order (by name).
var ioctlNames = sync.OnceValue(func() map[uint32][]string {
	m := map[uint32][]string{}
	for _, e := range setIoctls.entries {
		c := uint32(e.value)
		m[c] = append(m[c], e.name)
	}
	for _, names := range m {
		sort.Strings(names)
	}
	return m
})

func ioctlText(code uint32) string {
	parts := []string{}
	if f := ioctlFamilyText(code); f != "" {
		parts = append(parts, f)
	}
	parts = append(parts, ioctlNames()[code]...)
	if len(parts) == 0 {
		return iocText(uint64(code))
	}
	return strings.Join(parts, " or ")
}

// ioctlFamilyText names the requests whose number or size is a parameter.
func ioctlFamilyText(code uint32) string {
	dir, nr, size := iocDir(code), iocNr(code), iocSize(code)
	u := func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
	withSize := func(name string) string { return name + "(" + u(size) + ")" }
	switch iocType(code) {
	case '!':
		if dir == iocRead && nr == 2 && size == 8 {
			return "SECCOMP_IOCTL_NOTIF_ID_VALID_WRONG_DIR"
		}
	case 'E':
		return evdevText(dir, nr, size)
	case 'H':
		switch {
		case dir == iocRead && nr == 0x04:
			return withSize("HIDIOCGRAWNAME")
		case dir == iocRead && nr == 0x05:
			return withSize("HIDIOCGRAWPHYS")
		case dir == iocRead && nr == 0x06, dir == iocRead|iocWrite && nr == 0x06:
			return withSize("HIDIOCSFEATURE")
		case dir == iocRead && nr == 0x08:
			return withSize("HIDIOCGRAWUNIQ")
		case dir == iocRead && nr == 0x12:
			return withSize("HIDIOCGPHYS")
		case dir == iocRead|iocWrite && nr == 0x07:
			return withSize("HIDIOCGFEATURE")
		}
	case 'M':
		switch dir {
		case iocWrite:
			return "MIXER_WRITE(" + u(nr) + ")"
		case iocRead:
			return "MIXER_READ(" + u(nr) + ")"
		}
	case 'U':
		if dir == iocRead && nr == 0x2c {
			return withSize("UI_GET_SYSNAME")
		}
	case 'j':
		if dir == iocRead && nr == 0x13 {
			return withSize("JSIOCGNAME")
		}
	case 'k':
		if dir == iocWrite && nr == 0 {
			return withSize("SPI_IOC_MESSAGE")
		}
	}
	return ""
}

func evdevText(dir, nr, size uint32) string {
	u := func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
	if dir == iocWrite && nr >= 0xc0 && nr <= 0xc0+0x3f {
		return "EVIOCSABS(" + setAbsCodes.enumText(uint64(nr-0xc0)) + ")"
	}
	if dir != iocRead {
		return ""
	}
	switch {
	case nr == 0x20:
		return "EVIOCGBIT(0, " + u(size) + ")"
	case nr > 0x20 && nr <= 0x20+0x1f:
		return "EVIOCGBIT(" + setEvTypes.enumText(uint64(nr-0x20)) + ", " + u(size) + ")"
	case nr >= 0x40 && nr <= 0x40+0x3f:
		return "EVIOCGABS(" + setAbsCodes.enumText(uint64(nr-0x40)) + ")"
	}
	names := map[uint32]string{0x06: "EVIOCGNAME", 0x07: "EVIOCGPHYS", 0x08: "EVIOCGUNIQ", 0x09: "EVIOCGPROP",
		0x0a: "EVIOCGMTSLOTS", 0x18: "EVIOCGKEY", 0x19: "EVIOCGLED", 0x1a: "EVIOCGSND", 0x1b: "EVIOCGSW"}
	if n, ok := names[nr]; ok {
		return n + "(" + u(size) + ")"
	}
	return ""
}

// ioctlArgDecoders are the requests whose argument strace decodes here
// beyond the int in/out ones (quirks.go); the others print in hex.
var ioctlArgDecoders = map[string]func(s *state, i int){
	"OTPSELECT":                    decOtpSelect,
	"VIDIOC_ENUMINPUT":             decV4l2Input,
	"TCXONC":                       ioctlEnumArg(setTcxoncOptions, "TC???"),
	"TCFLSH":                       ioctlEnumArg(setTcflshOptions, "TC???"),
	"KDSETMODE":                    ioctlEnum32(setKdModes, "KD_???", false),
	"PERF_EVENT_IOC_ENABLE":        ioctlPerfFlags,
	"PERF_EVENT_IOC_DISABLE":       ioctlPerfFlags,
	"PERF_EVENT_IOC_RESET":         ioctlPerfFlags,
	"SECCOMP_IOCTL_NOTIF_ID_VALID": ioctlU64s(1),
	"BLKDISCARD":                   ioctlU64s(2),
	"BLKZEROOUT":                   ioctlU64s(2),
	"KDSKBMODE":                    ioctlEnum32(setKdKbdModes, "K_???", true),
	"KDGETMODE":                    ioctlEnumOut(setKdModes, "KD_???", false),
	"KDGKBMODE":                    ioctlEnumOut(setKdKbdModes, "K_???", true),
	// a descriptor or a number in the register, in decimal
	"FICLONE":                   ioctlDecimal(true),
	"LOOP_SET_FD":               ioctlDecimal(true),
	"LOOP_CHANGE_FD":            ioctlDecimal(true),
	"LOOP_CTL_ADD":              ioctlDecimal(true),
	"LOOP_CTL_REMOVE":           ioctlDecimal(true),
	"PERF_EVENT_IOC_REFRESH":    ioctlDecimal(true),
	"PERF_EVENT_IOC_SET_OUTPUT": ioctlDecimal(true),
	"INOTIFY_IOC_SETNEXTWD":     ioctlDecimal(true),
	"LOOP_SET_DIRECT_IO":        ioctlDecimal(false),
	"LOOP_SET_BLOCK_SIZE":       ioctlDecimal(false),
	"BLKRASET":                  ioctlDecimal(false),
}

func init() {
	// Requests strace decodes as a pointer to a struct it reads or
	// fills: NULL or the address where this package has no decoder for
	// the struct (checked against strace 6.1 with a failing call). The
	// terminal ones are in term.go.
	for _, n := range []string{
		"FS_IOC_GETFLAGS", "FS_IOC_SETFLAGS", "FS_IOC_FIEMAP", "FS_IOC_FSGETXATTR", "FS_IOC_FSSETXATTR",
		"FS_IOC_GETFSLABEL", "FS_IOC_SETFSLABEL", "FICLONERANGE", "FIDEDUPERANGE", "FITRIM",
		"BLKGETSIZE64", "BLKSSZGET", "BLKROGET", "BLKROSET", "BLKGETSIZE", "BLKRAGET", "BLKBSZGET",
		"BLKBSZSET", "BLKIOMIN", "BLKIOOPT", "BLKPBSZGET",
		"LOOP_SET_STATUS64", "LOOP_GET_STATUS64", "LOOP_CONFIGURE",
		"SIOCGIFNAME", "SIOCGIFCONF", "SIOCGIFFLAGS", "SIOCSIFFLAGS", "SIOCGIFADDR", "SIOCSIFADDR",
		"SIOCGIFINDEX", "SIOCGIFMTU", "SIOCSIFMTU", "SIOCGIFHWADDR", "SIOCATMARK",
		"FIOSETOWN", "FIOGETOWN", "SIOCSPGRP", "SIOCGPGRP", "SIOCGSTAMP_OLD", "SIOCGSTAMPNS_OLD",
		"RNDGETENTCNT", "RNDADDTOENTCNT", "RNDADDENTROPY", "PERF_EVENT_IOC_ID", "NS_GET_OWNER_UID",
		"SECCOMP_IOCTL_NOTIF_RECV", "SECCOMP_IOCTL_NOTIF_SEND", "SECCOMP_IOCTL_NOTIF_ADDFD",
		"UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_COPY", "UFFDIO_ZEROPAGE", "UFFDIO_WAKE",
		"RTC_RD_TIME", "RTC_SET_TIME", "WDIOC_SETTIMEOUT", "WDIOC_GETTIMEOUT",
		"KDGKBTYPE",
	} {
		ioctlArgDecoders[n] = func(s *state, i int) { decPtr(s, i, param{}) }
	}
	// Requests strace prints without their (unused) argument.
	for _, n := range []string{
		"TIOCSSERIAL", "LOOP_CLR_FD", "LOOP_SET_CAPACITY", "LOOP_CTL_GET_FREE",
		"RNDZAPENTCNT", "RNDCLEARPOOL", "RNDRESEEDCRNG", "NS_GET_USERNS", "NS_GET_PARENT", "NS_GET_NSTYPE",
		"RTC_AIE_ON", "RTC_AIE_OFF", "RTC_UIE_ON", "RTC_UIE_OFF", "WDIOC_KEEPALIVE",
		"BLKRRPART", "BLKFLSBUF", "FIFREEZE", "FITHAW",
	} {
		ioctlNoArg[n] = true
	}
	// Requests whose argument points to an int strace reads.
	for _, n := range []string{"FS_IOC_SETFLAGS", "RNDADDTOENTCNT", "WDIOC_SETTIMEOUT", "BLKROSET", "BLKBSZSET", "FIOSETOWN", "SIOCSPGRP"} {
		ioctlIntIn[n] = true
		delete(ioctlArgDecoders, n)
	}
}

// ioctlDecimal prints the register in decimal: as an int (a descriptor,
// a count) or as an unsigned long.
func ioctlDecimal(asInt bool) func(s *state, i int) {
	return func(s *state, i int) {
		if asInt {
			decInt(s, i, param{})
			return
		}
		decUlong(s, i, param{})
	}
}

// ioctlEnumOut is an unsigned int the kernel writes, shown as [NAME].
func ioctlEnumOut(t *set, dflt string, decimal bool) func(s *state, i int) {
	return func(s *state, i int) {
		fcntlOut(s, i, func(s *state, addr uint64) (string, any, bool) {
			v, ok := readInt32(s, addr)
			if !ok {
				return "", nil, false
			}
			u := uint64(uint32(v))
			if name, ok := t.lookup(u); ok {
				return "[" + name + "]", u, true
			}
			if decimal {
				return "[" + strconv.FormatUint(u, 10) + " /* " + dflt + " */]", u, true
			}
			return "[" + hexText(u) + " /* " + dflt + " */]", u, true
		})
	}
}

// ioctlEnumArg prints a request's argument as a value of t (strace's
// printxval64: the whole register).
func ioctlEnumArg(t *set, dflt string) func(s *state, i int) {
	return func(s *state, i int) {
		a := s.arg(i)
		a.Value = a.Raw
		if name, ok := t.lookup(a.Raw); ok {
			a.Text = name
			return
		}
		a.Text = hexText(a.Raw) + " /* " + dflt + " */"
	}
}

// decOtpSelect is mtd's OTPSELECT: [MTD_OTP_OFF].
func decOtpSelect(s *state, i int) {
	inStruct(s, i, func(s *state, addr uint64) (string, any, bool) {
		v, ok := readInt32(s, addr)
		if !ok {
			return "", nil, false
		}
		return "[" + setMtdOtp.enumText(uint64(uint32(v))) + "]", int64(v), true
	})
}

// v4l2InputSize is struct v4l2_input: index, name[32], type, audioset,
// tuner, std, status, capabilities, reserved[3].
const v4l2InputSize = 4 + 32 + 4 + 4 + 4 + 8 + 4 + 4 + 3*4

// decV4l2Input is VIDIOC_ENUMINPUT: {index=N} at entry, the name and type
// the driver filled in after a success.
func decV4l2Input(s *state, i int) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
	b := make([]byte, v4l2InputSize)
	if a.Raw == 0 || !readFull(s.mem, a.Raw, b) {
		return
	}
	index := binary.NativeEndian.Uint32(b)
	a.Text = "{index=" + strconv.FormatUint(uint64(index), 10) + "}"
	s.c.exitFns = append(s.c.exitFns, func(s *state) {
		if s.failed() || !readFull(s.mem, a.Raw, b) {
			return
		}
		name, more := b[4:36], "..."
		if n := strings.IndexByte(string(name), 0); n >= 0 {
			name, more = name[:n], ""
		}
		typ := binary.NativeEndian.Uint32(b[36:])
		s.arg(i).Text = "{index=" + strconv.FormatUint(uint64(index), 10) +
			", name=" + quote(name, quoteStyle{}) + more +
			", type=" + setV4l2InputTypes.enumText(uint64(typ)) + "}"
	})
}

// ioctlArgName is the name of code whose argument decoding applies: the
// first of its names that has one.
func ioctlArgName(code uint32) string {
	names := ioctlNames()[code]
	for _, n := range names {
		if ioctlNoArg[n] || ioctlIntArg[n] || ioctlIntIn[n] || ioctlIntOut[n] || ioctlArgDecoders[n] != nil {
			return n
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

// ioctlEnum32 is printxval on an unsigned int: the low 32 bits, when
// unknown in hex, or in decimal as printxval_d does.
func ioctlEnum32(t *set, dflt string, decimal bool) func(s *state, i int) {
	return func(s *state, i int) {
		a := s.arg(i)
		v := uint64(uint32(a.Raw))
		a.Value = v
		if name, ok := t.lookup(v); ok {
			a.Text = name
			return
		}
		if decimal {
			a.Text = strconv.FormatUint(v, 10) + " /* " + dflt + " */"
		} else {
			a.Text = hexText(v) + " /* " + dflt + " */"
		}
	}
}

// ioctlPerfFlags is PERF_EVENT_IOC_ENABLE's and its siblings' flags.
func ioctlPerfFlags(s *state, i int) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	const group = 1 // PERF_IOC_FLAG_GROUP
	switch {
	case v == 0:
		a.Text = "0"
	case v == group:
		a.Text = "PERF_IOC_FLAG_GROUP"
	case v&group != 0:
		a.Text = "PERF_IOC_FLAG_GROUP|" + hexText(v&^group)
	default:
		a.Text = hexText(v) + " /* PERF_IOC_FLAG_??? */"
	}
}

// ioctlU64s is an array of n 64-bit numbers the kernel reads:
// [start, len].
func ioctlU64s(n int) func(s *state, i int) {
	return func(s *state, i int) {
		inStruct(s, i, func(s *state, addr uint64) (string, any, bool) {
			b := make([]byte, 8*n)
			if !readFull(s.mem, addr, b) {
				return "", nil, false
			}
			parts := make([]string, n)
			var first uint64
			vals := map[string]any{}
			for j := range parts {
				v := binary.NativeEndian.Uint64(b[8*j:])
				if j == 0 {
					first = v
				}
				vals[[...]string{"start", "len"}[j%2]] = v
				parts[j] = strconv.FormatUint(v, 10)
			}
			if n == 1 {
				return "[" + parts[0] + "]", first, true
			}
			return "[" + strings.Join(parts, ", ") + "]", vals, true
		})
	}
}
