package decode

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"
)

func exitStat(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var st unix.Stat_t
		if !readStruct(s, addr, &st) {
			return "", nil, false
		}
		mode := uint64(st.Mode)
		text := "{st_mode=" + symbolicMode(mode)
		if t := uint32(mode) & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK {
			text += ", st_rdev=" + makedevText(uint64(st.Rdev))
		} else {
			text += ", st_size=" + strconv.FormatInt(st.Size, 10)
		}
		return text + ", ...}", map[string]any{"st_mode": mode, "st_size": st.Size, "st_rdev": uint64(st.Rdev)}, true
	})
}

func exitStatx(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var st unix.Statx_t
		if !readStruct(s, addr, &st) {
			return "", nil, false
		}
		text := "{stx_mask=" + setStatxMask.flagsText(uint64(st.Mask)) +
			", stx_attributes=" + setStatxAttrs.flagsText(st.Attributes) +
			", stx_mode=" + symbolicMode(uint64(st.Mode)) +
			", stx_size=" + strconv.FormatUint(st.Size, 10) + ", ...}"
		return text, map[string]any{"stx_mode": uint64(st.Mode), "stx_size": st.Size}, true
	})
}

func exitUtsname(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var u unix.Utsname
		if !readStruct(s, addr, &u) {
			return "", nil, false
		}
		sys, node := cstring(u.Sysname[:]), cstring(u.Nodename[:])
		return "{sysname=" + quote(sys, s.qs()) + ", nodename=" + quote(node, s.qs()) + ", ...}",
			map[string]any{"sysname": string(sys), "nodename": string(node)}, true
	})
}

func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// exitDirents counts the records getdents wrote, as strace does without -v.
func exitDirents(s *state, i int, _ param) {
	n, ok := retLen(s)
	if !ok {
		return
	}
	a := s.arg(i)
	b := make([]byte, min(n, maxArrayRead))
	if !readFull(s.mem, a.Raw, b) {
		return
	}
	// d_reclen sits at offset 16 in both struct linux_dirent and
	// linux_dirent64.
	count := 0
	for off := 0; off+18 <= len(b); count++ {
		reclen := int(binary.NativeEndian.Uint16(b[off+16:]))
		if reclen == 0 {
			break
		}
		off += reclen
	}
	plural := "ies"
	if count == 1 {
		plural = "y"
	}
	a.Text = ptrText(a.Raw) + " /* " + strconv.Itoa(count) + " entr" + plural + " */"
	a.Value = int64(count)
}

func exitSysinfo(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var si unix.Sysinfo_t
		if !readStruct(s, addr, &si) {
			return "", nil, false
		}
		u := func(v uint64) string { return strconv.FormatUint(v, 10) }
		text := "{uptime=" + strconv.FormatInt(si.Uptime, 10) +
			", loads=[" + u(si.Loads[0]) + ", " + u(si.Loads[1]) + ", " + u(si.Loads[2]) + "]" +
			", totalram=" + u(si.Totalram) + ", freeram=" + u(si.Freeram) + ", sharedram=" + u(si.Sharedram) +
			", bufferram=" + u(si.Bufferram) + ", totalswap=" + u(si.Totalswap) + ", freeswap=" + u(si.Freeswap) +
			", procs=" + u(uint64(si.Procs)) + ", totalhigh=" + u(si.Totalhigh) + ", freehigh=" + u(si.Freehigh) +
			", mem_unit=" + u(uint64(si.Unit)) + "}"
		return text, nil, true
	})
}
