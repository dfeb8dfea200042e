package decode

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func exitStat(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var st unix.Stat_t
		if !readStruct(s, addr, &st) {
			return "", nil, false
		}
		return statText(&st, s.o.Verbose), map[string]any{"st_mode": uint64(st.Mode), "st_size": st.Size, "st_rdev": uint64(st.Rdev)}, true
	})
}

// statText is strace's print_struct_stat: mode and size (or rdev) and
// "...", or with -v every field, times with their date in a comment.
func statText(st *unix.Stat_t, verbose bool) string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	mode := uint64(st.Mode)
	var b strings.Builder
	b.WriteByte('{')
	if verbose {
		b.WriteString("st_dev=" + makedevText(uint64(st.Dev)) + ", st_ino=" + u(uint64(st.Ino)) +
			", st_mode=" + symbolicMode(mode) + ", st_nlink=" + u(uint64(st.Nlink)) +
			", st_uid=" + u(uint64(st.Uid)) + ", st_gid=" + u(uint64(st.Gid)) +
			", st_blksize=" + u(uint64(st.Blksize)) + ", st_blocks=" + u(uint64(st.Blocks)))
	} else {
		b.WriteString("st_mode=" + symbolicMode(mode))
	}
	if t := uint32(mode) & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK {
		b.WriteString(", st_rdev=" + makedevText(uint64(st.Rdev)))
	} else {
		b.WriteString(", st_size=" + strconv.FormatInt(int64(st.Size), 10))
	}
	if !verbose {
		b.WriteString(", ...}")
		return b.String()
	}
	for _, f := range []struct {
		name string
		ts   unix.Timespec
	}{{"st_atime", st.Atim}, {"st_mtime", st.Mtim}, {"st_ctime", st.Ctim}} {
		sec, nsec := int64(f.ts.Sec), uint64(f.ts.Nsec)
		b.WriteString(", " + f.name + "=" + strconv.FormatInt(sec, 10) + dateComment(sec, nsec) +
			", " + f.name + "_nsec=" + u(nsec))
	}
	b.WriteByte('}')
	return b.String()
}

// dateComment is timeComment as a comment after a number:
// " /* 2026-12-03T08:25:00.135475834+0000 */", or nothing.
func dateComment(sec int64, nsec uint64) string {
	if c := timeComment(sec, nsec); c != "" {
		return " /* " + c + " */"
	}
	return ""
}

func exitStatx(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var st unix.Statx_t
		if !readStruct(s, addr, &st) {
			return "", nil, false
		}
		return statxText(&st, s.o.Verbose), map[string]any{"stx_mode": uint64(st.Mode), "stx_size": st.Size}, true
	})
}

// statxText is strace's statx output: the fields the mask says are
// filled, and with -v all the others.
func statxText(st *unix.Statx_t, verbose bool) string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	m := st.Mask
	var parts []string
	add := func(cond bool, name, v string) {
		if cond {
			parts = append(parts, name+"="+v)
		}
	}
	ts := func(t unix.StatxTimestamp) string {
		return "{tv_sec=" + strconv.FormatInt(t.Sec, 10) + ", tv_nsec=" + u(uint64(t.Nsec)) + "}" +
			dateComment(t.Sec, uint64(t.Nsec))
	}
	add(true, "stx_mask", setStatxMask.flagsText(uint64(m)))
	add(verbose, "stx_blksize", u(uint64(st.Blksize)))
	add(true, "stx_attributes", setStatxAttrs.flagsText(st.Attributes))
	add(verbose && m&unix.STATX_NLINK != 0, "stx_nlink", u(uint64(st.Nlink)))
	add(verbose && m&unix.STATX_UID != 0, "stx_uid", u(uint64(st.Uid)))
	add(verbose && m&unix.STATX_GID != 0, "stx_gid", u(uint64(st.Gid)))
	add(m&(unix.STATX_TYPE|unix.STATX_MODE) != 0, "stx_mode", symbolicMode(uint64(st.Mode)))
	add(verbose && m&unix.STATX_INO != 0, "stx_ino", u(st.Ino))
	add(m&unix.STATX_SIZE != 0, "stx_size", u(st.Size))
	if !verbose {
		return "{" + strings.Join(append(parts, "..."), ", ") + "}"
	}
	add(m&unix.STATX_BLOCKS != 0, "stx_blocks", u(st.Blocks))
	add(true, "stx_attributes_mask", setStatxAttrs.flagsText(st.Attributes_mask))
	add(m&unix.STATX_ATIME != 0, "stx_atime", ts(st.Atime))
	add(m&unix.STATX_BTIME != 0, "stx_btime", ts(st.Btime))
	add(m&unix.STATX_CTIME != 0, "stx_ctime", ts(st.Ctime))
	add(m&unix.STATX_MTIME != 0, "stx_mtime", ts(st.Mtime))
	add(true, "stx_rdev_major", u(uint64(st.Rdev_major)))
	add(true, "stx_rdev_minor", u(uint64(st.Rdev_minor)))
	add(true, "stx_dev_major", u(uint64(st.Dev_major)))
	add(true, "stx_dev_minor", u(uint64(st.Dev_minor)))
	add(m&unix.STATX_MNT_ID != 0, "stx_mnt_id", hexText(st.Mnt_id))
	add(m&unix.STATX_DIOALIGN != 0, "stx_dio_mem_align", u(uint64(st.Dio_mem_align)))
	add(m&unix.STATX_DIOALIGN != 0, "stx_dio_offset_align", u(uint64(st.Dio_offset_align)))
	return "{" + strings.Join(parts, ", ") + "}"
}

func exitUtsname(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var u unix.Utsname
		if !readStruct(s, addr, &u) {
			return "", nil, false
		}
		sys, node := cstring(u.Sysname[:]), cstring(u.Nodename[:])
		v := map[string]any{"sysname": string(sys), "nodename": string(node)}
		if !s.o.Verbose {
			return "{sysname=" + quote(sys, s.qs()) + ", nodename=" + quote(node, s.qs()) + ", ...}", v, true
		}
		text := "{sysname=" + quote(sys, s.qs()) + ", nodename=" + quote(node, s.qs())
		for _, f := range []struct {
			name string
			b    []byte
		}{{"release", u.Release[:]}, {"version", u.Version[:]}, {"machine", u.Machine[:]}, {"domainname", u.Domainname[:]}} {
			b := cstring(f.b)
			text += ", " + f.name + "=" + quote(b, s.qs())
			v[f.name] = string(b)
		}
		return text + "}", v, true
	})
}

func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// exitDirents is getdents' buffer as strace's decode_dents walks it: the
// address and a count of records, or with -v every record.
func exitDirents(s *state, i int, p param) {
	n, ok := retLen(s)
	a := s.arg(i)
	if !ok || n > uint64(uint32(s.c.Raw[2])) {
		return
	}
	text, count := direntsText(s, a.Raw, n, s.c.Name == "getdents64")
	a.Text, a.Value = text, int64(count)
}

// direntsText walks n bytes of struct linux_dirent (d_ino, d_off,
// d_reclen, d_name, then d_type in the record's last byte) or
// linux_dirent64 (d_type before d_name), record by record as strace does,
// with its comments for impossible record lengths.
func direntsText(s *state, addr, n uint64, is64 bool) (string, int) {
	header := uint64(18) // offsetof(d_name)
	if is64 {
		header = 19
	}
	const dNameMax = 256
	verbose := s.o.Verbose
	var b strings.Builder
	if !verbose {
		b.WriteString(ptrText(addr))
	}
	count := 0
	for {
		if n < header {
			if verbose {
				if n == 0 {
					b.WriteByte('[')
					count++
				} else {
					t, _ := bufText(s, addr, n, quoteStyle{hex: true})
					b.WriteString(t)
				}
			}
			break
		}
		var h [19]byte
		if !readFull(s.mem, addr, h[:header]) {
			if verbose {
				if count > 0 {
					b.WriteString("... /* " + ptrText(addr) + " */")
				} else {
					b.WriteString(ptrText(addr))
				}
			}
			break
		}
		if verbose && count == 0 {
			b.WriteByte('[')
		}
		if verbose && count >= maxArrayElems {
			b.WriteString("...")
			n = 0
			break
		}
		count++
		reclen := uint64(binary.NativeEndian.Uint16(h[16:]))
		if verbose {
			b.WriteString("{d_ino=" + strconv.FormatUint(binary.NativeEndian.Uint64(h[:]), 10) +
				", d_off=" + strconv.FormatUint(binary.NativeEndian.Uint64(h[8:]), 10) +
				", d_reclen=" + strconv.FormatUint(reclen, 10))
		}
		field := ""
		if !verbose {
			field = "d_reclen "
		}
		next, nextLen := uint64(0), uint64(0)
		switch {
		case reclen > n:
			b.WriteString(" /* " + field + strconv.FormatUint(reclen-n, 10) + " bytes overflow */")
			reclen = n
		case reclen < header:
			b.WriteString(" /* " + field + strconv.FormatUint(header-reclen, 10) + " bytes underflow */")
			reclen = header
			nextLen = n - header
		default:
			nextLen = n - reclen
			if nextLen > 0 {
				next = addr + reclen
			}
		}
		n = nextLen
		if verbose {
			ok := direntTail(s, &b, addr+header, h[18], reclen-header, is64, dNameMax)
			if next != 0 {
				b.WriteString(", ")
				if !ok {
					b.WriteString("...")
					break
				}
			}
		}
		if next == 0 {
			break
		}
		addr = next
	}
	if verbose {
		if count > 0 {
			b.WriteByte(']')
		}
		return b.String(), count
	}
	more := ""
	if n > 0 {
		more = "+"
	}
	return b.String() + " /* " + strconv.Itoa(count) + more + " entries */", count
}

// direntTail prints a record's d_type and d_name (strace's order for each
// layout); false when the name or type was unreadable.
func direntTail(s *state, b *strings.Builder, addr uint64, type64 byte, rest uint64, is64 bool, nameMax uint64) bool {
	name := func(n uint64) bool {
		n = min(n, nameMax)
		t, _, ok := readCString(s, addr, int(n-1))
		if !ok {
			b.WriteString(", d_name=" + ptrText(addr))
			return false
		}
		b.WriteString(", d_name=" + t)
		return true
	}
	ok := true
	if is64 {
		b.WriteString(", d_type=" + setDirentTypes.enumText(uint64(type64)))
		if rest > 0 {
			ok = name(rest)
		}
	} else if rest > 0 {
		if rest-1 > 0 {
			ok = name(rest - 1)
		}
		var t [1]byte
		if readFull(s.mem, addr+rest-1, t[:]) {
			b.WriteString(", d_type=" + setDirentTypes.enumText(uint64(t[0])))
		} else {
			b.WriteString(", d_type=" + ptrText(addr+rest-1))
			ok = false
		}
	}
	b.WriteByte('}')
	return ok
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
