package decode

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func decInt(s *state, i int, _ param) {
	a := s.arg(i)
	v := int64(int32(a.Raw))
	a.Text, a.Value = strconv.FormatInt(v, 10), v
}

func decUint(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Text, a.Value = strconv.FormatUint(v, 10), v
}

func decLong(s *state, i int, _ param) {
	a := s.arg(i)
	v := int64(a.Raw)
	a.Text, a.Value = strconv.FormatInt(v, 10), v
}

func decUlong(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = strconv.FormatUint(a.Raw, 10), a.Raw
}

func decHex(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = hexText(a.Raw), a.Raw
}

func decPtr(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
}

func decOctal(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Text, a.Value = octalText(v), v
}

// decMode is a umode_t (mkdir's, chmod's, umask's, open's mode): an
// unsigned short, so strace (and the kernel) drop every bit above 15.
func decMode(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint16(a.Raw))
	a.Text, a.Value = octalText(v), v
}

// decFilemode is strace's print_symbolic_mode_t: S_IFREG|S_ISUID|0644.
func decFilemode(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Text, a.Value = symbolicMode(v), v
}

func symbolicMode(m uint64) string {
	var parts []string
	if t := m & unix.S_IFMT; t != 0 {
		parts = append(parts, setFileType.enumText(t))
	}
	for _, b := range []struct {
		bit  uint64
		name string
	}{{unix.S_ISUID, "S_ISUID"}, {unix.S_ISGID, "S_ISGID"}, {unix.S_ISVTX, "S_ISVTX"}} {
		if m&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	return strings.Join(append(parts, octalText(m&0o777)), "|")
}

// decFd prints a descriptor, with -y the file behind it.
func decFd(s *state, i int, _ param) {
	a := s.arg(i)
	fd := int64(int32(a.Raw))
	a.Value = fd
	a.Text, a.Path = fdText(s, fd)
}

func decDirfd(s *state, i int, p param) {
	a := s.arg(i)
	if int32(a.Raw) == unix.AT_FDCWD {
		a.Text, a.Value = "AT_FDCWD", int64(unix.AT_FDCWD)
		if cw, ok := s.mem.(cwdReader); ok && s.o.FdPaths {
			if p, err := cw.Cwd(); err == nil && p != "" {
				a.Text, a.Path = a.Text+fdPathSuffix(s, p), p
			}
		}
		return
	}
	decFd(s, i, p)
}

func fdText(s *state, fd int64) (text, path string) {
	text = strconv.FormatInt(fd, 10)
	if (!s.o.FdPaths && s.o.FdDetails == 0) || fd < 0 {
		return text, ""
	}
	p, err := s.mem.FdPath(int(fd))
	if err != nil || p == "" {
		return text, ""
	}
	if suffix, ok := fdDetailSuffix(s, int(fd), p); ok {
		return text + suffix, p
	}
	if !s.o.FdPaths {
		return text, ""
	}
	return text + fdPathSuffix(s, p), p
}

// fdDetailSuffix is strace's -yy text for a socket, a device or a pidfd
// (printsocket, printdev, printpidfd); ok is false for other files.
func fdDetailSuffix(s *state, fd int, p string) (string, bool) {
	want := s.o.FdDetails
	if want == 0 {
		return "", false
	}
	d, _ := s.mem.(fdDescriber)
	describe := func() (string, bool) {
		if d == nil {
			return "", false
		}
		return d.DescribeFd(fd, p)
	}
	switch {
	case want&FdSockets != 0 && strings.HasPrefix(p, "socket:["):
		if t, ok := describe(); ok {
			return "<" + t + ">", true
		}
		return "<" + p + ">", true
	case want&FdDevices != 0 && strings.HasPrefix(p, "/"):
		if t, ok := describe(); ok {
			return strings.TrimSuffix(fdPathSuffix(s, p), ">") + "<" + t + ">>", true
		}
	case want&FdPidfds != 0 && p == "anon_inode:[pidfd]":
		if t, ok := describe(); ok {
			return "<" + t + ">", true
		}
		return "<" + p + ">", true
	}
	return "", false
}

// fdPathSuffix is strace's <path> after a descriptor; a deleted file's
// marker goes outside the brackets.
func fdPathSuffix(s *state, p string) string {
	const deleted = " (deleted)"
	st := quoteStyle{x: s.o.Hex, noQuotes: true, escape: "<>"}
	if strings.HasSuffix(p, deleted) {
		return "<" + quote([]byte(strings.TrimSuffix(p, deleted)), st) + ">(deleted)"
	}
	return "<" + quote([]byte(p), st) + ">"
}

func decPid(s *state, i int, p param) { decInt(s, i, p) }

// decUid prints -1 (no change) as strace does.
func decUid(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint32(a.Raw)
	a.Value = uint64(v)
	if v == 0xffffffff {
		a.Text = "-1"
		return
	}
	a.Text = strconv.FormatUint(uint64(v), 10)
}

func decSignal(s *state, i int, _ param) {
	a := s.arg(i)
	v := int64(int32(a.Raw))
	a.Text, a.Value = signalText(v), v
}

// signalText is strace's signame: SIGTERM, SIGRTMIN, SIGRT_5, or the number.
func signalText(n int64) string {
	switch {
	case n > 0 && n <= 32:
		if name, ok := setSignals.lookup(uint64(n)); ok {
			return name
		}
	case n > 32 && n <= 64:
		return "SIGRT_" + strconv.FormatInt(n-32, 10)
	}
	return strconv.FormatInt(n, 10)
}

func decFlags(s *state, i int, p param) {
	a := s.arg(i)
	v := a.Raw
	if p.set != setCloneFlagBits && p.set != setSaFlags {
		// an int flag word (unless the set is a wide one): the bits above
		// 31 are not the caller's, and the kernel never sees them.
		v, _ = paramValueKind(p).Convert(v)
	}
	a.Text, a.Value = p.set.flagsText(v), v
}

// decEnum prints a value set by its C type: an int-sized one (clockid_t,
// RLIMIT_*, whence) loses the junk above bit 31 as it does in the kernel.
func decEnum(s *state, i int, p param) {
	a := s.arg(i)
	v, signed := paramValueKind(p).Convert(a.Raw)
	a.Text = p.set.enumText(v)
	if signed {
		a.Value = int64(v)
	} else {
		a.Value = v
	}
}

// decCreatemode is open's mode: strace prints it only when the flags make
// the kernel use it.
func decCreatemode(s *state, i int, p param) {
	decMode(s, i, p)
	flags := uint64(uint32(s.c.Raw[p.ref]))
	tmpfile := uint64(unix.O_TMPFILE &^ unix.O_DIRECTORY)
	s.arg(i).Hidden = flags&(unix.O_CREAT|tmpfile) == 0
}

// decOpenFlags is strace's sprint_open_modes: the access mode first.
func decOpenFlags(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Text, a.Value = openFlagsText(v), v
}

func openFlagsText(v uint64) string {
	acc := setOpenAccess.enumText(v & unix.O_ACCMODE)
	if rest := v &^ unix.O_ACCMODE; rest != 0 {
		// after the access mode strace prints unknown bits without
		// the /* O_??? */ it gives them alone (dup3's flags)
		return acc + "|" + strings.TrimSuffix(setOpenMode.flagsText(rest), setOpenMode.unknownComment())
	}
	return acc
}

// decMmapFlags: the mapping type, the flags, then a huge page size.
func decMmapFlags(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	const mapType = 0xf
	parts := []string{setMapType.enumText(v & mapType)}
	rest := v &^ mapType
	huge := (rest >> unix.MAP_HUGE_SHIFT) & unix.MAP_HUGE_MASK
	rest &^= unix.MAP_HUGE_MASK << unix.MAP_HUGE_SHIFT
	if rest != 0 {
		parts = append(parts, setMapFlags.flagsText(rest))
	}
	if huge != 0 {
		parts = append(parts, strconv.FormatUint(huge, 10)+"<<MAP_HUGE_SHIFT")
	}
	a.Text = strings.Join(parts, "|")
}

// decCloneFlags: the flags, then the exit signal in the low byte.
func decCloneFlags(s *state, i int, _ param) {
	a := s.arg(i)
	a.Value = a.Raw
	a.Text = cloneFlagsText(a.Raw)
}

func cloneFlagsText(v uint64) string {
	sig := v & 0xff
	rest := v &^ 0xff
	var parts []string
	if rest != 0 || sig == 0 {
		parts = append(parts, setCloneFlagBits.flagsText(rest))
	}
	if sig != 0 {
		parts = append(parts, signalText(int64(sig)))
	}
	return strings.Join(parts, "|")
}

// decStatxFlags: the sync type bits first (as flags: strace prints
// AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC), then the AT_ flags.
func decStatxFlags(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	const syncType = unix.AT_STATX_FORCE_SYNC | unix.AT_STATX_DONT_SYNC
	text := setStatxSync.flagsText(v & syncType)
	if rest := v &^ syncType; rest != 0 {
		text += "|" + setAtFlags.flagsText(rest)
	}
	a.Text = text
}

// decDev is mknod's device, shown for device files only.
func decDev(s *state, i int, p param) {
	a := s.arg(i)
	a.Value = a.Raw
	a.Text = makedevText(a.Raw)
	mode := uint32(s.c.Raw[p.ref]) & unix.S_IFMT
	a.Hidden = mode != unix.S_IFCHR && mode != unix.S_IFBLK
}

// makedevText splits a dev_t as glibc encodes it.
func makedevText(dev uint64) string {
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	return "makedev(" + hexText(major) + ", " + hexText(minor) + ")"
}
