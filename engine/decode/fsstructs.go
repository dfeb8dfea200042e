package decode

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Decoders for files, descriptors and memory: statfs, mkdir's mode,
// epoll_ctl's event, and the sets whose unknown-value comment is not their
// names' common prefix.

func init() {
	decoders[kindUmode] = decoder{entry: decUmode}
	decoders[kindStatfsOut] = decoder{exit: exitStatfs}
	valueKindOf[kindUmode] = ValueUint32
	valueKindOf[kindStatfsOut] = ValueUint64
	fixups["epoll_ctl"] = fixEpollCtl
	// strace's default strings for values these sets lack.
	unknownDefaults[setAccessMode] = "?_OK"
	unknownDefaults[setCloseRangeFlags] = "CLOSE_RANGE_???"
	unknownDefaults[setOpenMode] = "O_???"
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
		return statfsText(&st), st, true
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
