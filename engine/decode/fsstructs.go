package decode

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Decoders for files, descriptors and memory: statfs, mkdir's mode,
// epoll_ctl's event, and the sets whose unknown-value comment is not their
// names' common prefix.

func init() {
	decoders[kindUmode] = decoder{entry: decUmode}
	decoders[kindStatfsOut] = decoder{exit: exitStatfs}
	decoders[kindOffInout] = decoder{entry: decOffInout, exit: exitOffInout}
	decoders[kindUtimensIn] = decoder{entry: decUtimensIn}
	valueKindOf[kindUmode] = ValueUint32
	valueKindOf[kindOffInout] = ValueUint64
	valueKindOf[kindUtimensIn] = ValueUint64
	valueKindOf[kindStatfsOut] = ValueUint64
	fixups["epoll_ctl"] = fixEpollCtl
	// strace's default strings for values these sets lack.
	unknownDefaults[setAccessMode] = "?_OK"
	unknownDefaults[setCloseRangeFlags] = "CLOSE_RANGE_???"
	unknownDefaults[setOpenMode] = "O_???"
	unknownDefaults[setEpollCtlOps] = "EPOLL_CTL_???"
}

// unknownDefaults replaces a set's derived " /* PREFIX_??? */" comment.
var unknownDefaults = map[*set]string{}

// decUmode is strace's print_numeric_umode_t: a mode_t the kernel takes
// as an unsigned short, so only the low 16 bits count.
func decUmode(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint16(a.Raw))
	a.Text, a.Value = octalText(v), v
}

// exitStatfs prints struct statfs as strace does; f_flags only when the
// kernel marked them valid.
func exitStatfs(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var st unix.Statfs_t
		if !readStruct(s, addr, &st) {
			return "", nil, false
		}
		return statfsText(&st), map[string]any{
			"f_type": uint64(st.Type), "f_bsize": uint64(st.Bsize), "f_blocks": st.Blocks, "f_bfree": st.Bfree,
			"f_bavail": st.Bavail, "f_files": st.Files, "f_ffree": st.Ffree,
			"f_fsid":    map[string]any{"val0": uint64(uint32(st.Fsid.Val[0])), "val1": uint64(uint32(st.Fsid.Val[1]))},
			"f_namelen": uint64(st.Namelen), "f_frsize": uint64(st.Frsize), "f_flags": uint64(st.Flags),
		}, true
	})
}

func statfsText(st *unix.Statfs_t) string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	var b strings.Builder
	b.WriteString("{f_type=")
	ftype := uint64(st.Type)
	if name, ok := setFsMagic.lookup(ftype); ok {
		b.WriteString(name)
	} else {
		b.WriteString(hexText(ftype))
	}
	b.WriteString(", f_bsize=" + u(uint64(st.Bsize)))
	b.WriteString(", f_blocks=" + u(st.Blocks))
	b.WriteString(", f_bfree=" + u(st.Bfree))
	b.WriteString(", f_bavail=" + u(st.Bavail))
	b.WriteString(", f_files=" + u(st.Files))
	b.WriteString(", f_ffree=" + u(st.Ffree))
	b.WriteString(", f_fsid={val=[" + hexText(uint64(uint32(st.Fsid.Val[0]))) + ", " + hexText(uint64(uint32(st.Fsid.Val[1]))) + "]}")
	b.WriteString(", f_namelen=" + u(uint64(st.Namelen)))
	b.WriteString(", f_frsize=" + u(uint64(st.Frsize)))
	const stValid = 0x20
	if st.Flags&stValid != 0 {
		b.WriteString(", f_flags=" + setStatfsFlags.flagsText(uint64(st.Flags)))
	}
	b.WriteByte('}')
	return b.String()
}

// fixEpollCtl: EPOLL_CTL_DEL ignores the event, so strace prints only its
// address.
func fixEpollCtl(s *state) {
	if len(s.c.Args) == 4 && uint32(s.c.Raw[1]) == unix.EPOLL_CTL_DEL {
		a := s.arg(3)
		a.Text, a.Value = ptrText(a.Raw), a.Raw
	}
}

// decOffInout is sendfile's offset: the value at entry, and after a call
// that moved it, " => " and the new value (strace's printnum_int64, as
// unsigned).
func decOffInout(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), nil
	if a.Raw == 0 {
		return
	}
	if v, ok := readUint64(s, a.Raw); ok {
		a.Text, a.Value = "["+strconv.FormatUint(v, 10)+"]", v
		s.c.in[i], s.c.inOK[i] = int64(v), true
	}
}

func exitOffInout(s *state, i int, _ param) {
	if !s.c.inOK[i] || s.failed() || s.c.Ret == 0 {
		return
	}
	a := s.arg(i)
	if v, ok := readUint64(s, a.Raw); ok {
		a.Text += " => [" + strconv.FormatUint(v, 10) + "]"
		a.Value = v
		return
	}
	a.Text += " => " + ptrText(a.Raw)
}

func readUint64(s *state, addr uint64) (uint64, bool) {
	var b [8]byte
	if !readFull(s.mem, addr, b[:]) {
		return 0, false
	}
	return binary.NativeEndian.Uint64(b[:]), true
}

// decUtimensIn is utimensat's times[2]: UTIME_NOW and UTIME_OMIT by name,
// other times with the date strace shows in a comment.
func decUtimensIn(s *state, i int, _ param) {
	inStruct(s, i, func(s *state, addr uint64) (string, any, bool) {
		var ts [2]unix.Timespec
		if !readStruct(s, addr, &ts) {
			return "", nil, false
		}
		parts := make([]string, 2)
		vals := map[string]any{}
		for j, t := range ts {
			vals[[...]string{"atime", "mtime"}[j]] = map[string]any{"tv_sec": t.Sec, "tv_nsec": t.Nsec}
			switch t.Nsec {
			case unix.UTIME_NOW:
				parts[j] = "UTIME_NOW"
			case unix.UTIME_OMIT:
				parts[j] = "UTIME_OMIT"
			default:
				parts[j] = "{tv_sec=" + strconv.FormatInt(t.Sec, 10) + ", tv_nsec=" + strconv.FormatUint(uint64(t.Nsec), 10) + "}"
				if c := timeComment(t.Sec, uint64(t.Nsec)); c != "" {
					parts[j] += " /* " + c + " */"
				}
			}
		}
		return "[" + strings.Join(parts, ", ") + "]", vals, true
	})
}

// timeComment is strace's sprinttime_nsec: the local date and time of a
// timestamp, "" for the zero time, an invalid nanosecond count or a time
// whose year does not fit a C int.
func timeComment(sec int64, nsec uint64) string {
	if (sec == 0 && nsec == 0) || nsec > 999999999 {
		return ""
	}
	// Beyond ±2^56 s the year is far outside a C int (glibc's localtime
	// fails there) and Go's time arithmetic would overflow.
	if sec > 1<<56 || sec < -(1<<56) {
		return ""
	}
	t := time.Unix(sec, 0).In(time.Local)
	if y := int64(t.Year()) - 1900; y > math.MaxInt32 || y < math.MinInt32 {
		return ""
	}
	// glibc's %Y adds 1900 to tm_year in a C int, which wraps.
	year := int32(t.Year()-1900) + 1900
	text := fmt.Sprintf("%d-%02d-%02dT%02d:%02d:%02d", year, int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second())
	if nsec > 0 {
		text += fmt.Sprintf(".%09d", nsec)
	}
	return text + t.Format("-0700")
}
