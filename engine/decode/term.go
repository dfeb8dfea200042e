package decode

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"
)

// Terminal ioctls' arguments as strace 6.1 prints them without -v:
// termios's four flag words then "...", winsize in full, modem bits.

func init() {
	unknownDefaults[setBaudOptions] = "B???"
	get := func(fill func(s *state, addr uint64) (string, any, bool)) func(s *state, i int) {
		return func(s *state, i int) { fcntlOut(s, i, fill) }
	}
	set := func(fill func(s *state, addr uint64) (string, any, bool)) func(s *state, i int) {
		return func(s *state, i int) { inStruct(s, i, fill) }
	}
	termios := termiosAt(36, false)  // the kernel's struct termios (NCCS 19)
	termios2 := termiosAt(44, false) // struct termios2: the speeds follow
	termio := termiosAt(18, true)    // struct termio: unsigned short flags
	for name, fn := range map[string]func(s *state, i int){
		"TCGETS": get(termios), "TIOCGLCKTRMIOS": get(termios),
		"TCSETS": set(termios), "TCSETSW": set(termios), "TCSETSF": set(termios), "TIOCSLCKTRMIOS": set(termios),
		"TCGETS2": get(termios2), "TCSETS2": set(termios2), "TCSETSW2": set(termios2), "TCSETSF2": set(termios2),
		"TCGETA": get(termio), "TCSETA": set(termio), "TCSETAW": set(termio), "TCSETAF": set(termio),
		"TIOCGWINSZ": get(winsizeAt), "TIOCSWINSZ": set(winsizeAt),
		"TIOCMGET": get(modemAt), "TIOCMBIS": set(modemAt), "TIOCMBIC": set(modemAt), "TIOCMSET": set(modemAt),
		"TIOCSTI": decTiocsti,
	} {
		ioctlArgDecoders[name] = fn
	}
	// int in/out arguments strace's term_ioctl also knows.
	ioctlIntOut["TIOCGSOFTCAR"], ioctlIntOut["TIOCGDEV"] = true, true
	ioctlIntIn["TIOCSSOFTCAR"] = true
	delete(ioctlIntArg, "TIOCSIG") // strace prints its argument in hex
}

// termFlags is printflags64 with no default: nothing at all for 0.
func termFlags(t *set, v uint64) string {
	if v == 0 {
		return ""
	}
	return t.flagsText(v)
}

func termiosAt(size int, short bool) func(s *state, addr uint64) (string, any, bool) {
	return func(s *state, addr uint64) (string, any, bool) {
		b := make([]byte, size)
		if !readFull(s.mem, addr, b) {
			return "", nil, false
		}
		var f [4]uint64
		for j := range f {
			if short {
				f[j] = uint64(binary.NativeEndian.Uint16(b[2*j:]))
			} else {
				f[j] = uint64(binary.NativeEndian.Uint32(b[4*j:]))
			}
		}
		text := "{c_iflag=" + termFlags(setTermIflags, f[0]) +
			", c_oflag=" + termOflagText(f[1]) +
			", c_cflag=" + termCflagText(f[2]) +
			", c_lflag=" + termFlags(setTermLflags, f[3]) + ", ...}"
		return text, map[string]any{"c_iflag": f[0], "c_oflag": f[1], "c_cflag": f[2], "c_lflag": f[3]}, true
	}
}

func termOflagText(v uint64) string {
	var text string
	for _, d := range []struct {
		t    *set
		mask uint64
	}{{setTermNldly, unix.NLDLY}, {setTermCrdly, unix.CRDLY}, {setTermTabdly, unix.TABDLY},
		{setTermBsdly, unix.BSDLY}, {setTermVtdly, unix.VTDLY}, {setTermFfdly, unix.FFDLY}} {
		text += d.t.enumText(v&d.mask) + "|"
		v &^= d.mask
	}
	return text + termFlags(setTermOflags, v)
}

func termCflagText(v uint64) string {
	text := setBaudOptions.enumText(v&unix.CBAUD) + "|"
	if v&unix.CIBAUD != 0 {
		text += setBaudOptions.enumText((v&unix.CIBAUD)>>unix.IBSHIFT) + "<<IBSHIFT|"
	}
	text += setTermCsize.enumText(v&unix.CSIZE) + "|"
	return text + termFlags(setTermCflags, v&^(unix.CBAUD|unix.CIBAUD|unix.CSIZE))
}

func winsizeAt(s *state, addr uint64) (string, any, bool) {
	var b [8]byte
	if !readFull(s.mem, addr, b[:]) {
		return "", nil, false
	}
	f := func(j int) uint64 { return uint64(binary.NativeEndian.Uint16(b[2*j:])) }
	u := func(j int) string { return strconv.FormatUint(f(j), 10) }
	return "{ws_row=" + u(0) + ", ws_col=" + u(1) + ", ws_xpixel=" + u(2) + ", ws_ypixel=" + u(3) + "}",
		map[string]any{"ws_row": f(0), "ws_col": f(1), "ws_xpixel": f(2), "ws_ypixel": f(3)}, true
}

func modemAt(s *state, addr uint64) (string, any, bool) {
	v, ok := readInt32(s, addr)
	if !ok {
		return "", nil, false
	}
	return "[" + setModemFlags.flagsText(uint64(uint32(v))) + "]", uint64(uint32(v)), true
}

// decTiocsti is TIOCSTI's one character, as a string.
func decTiocsti(s *state, i int) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
	var b [1]byte
	if a.Raw != 0 && readFull(s.mem, a.Raw, b[:]) {
		a.Text, a.Value = quote(b[:], quoteStyle{}), string(b[:])
	}
}
