package decode

import (
	"strconv"
	"strings"
)

// flagsText prints v as strace's printflags: the known bits in the set's
// order, what is left in hex; the set's zero name (PROT_NONE) or "0" for 0.
func (t *set) flagsText(v uint64) string {
	if v == 0 {
		for _, e := range t.entries {
			if e.value == 0 {
				return e.name
			}
		}
		return "0"
	}
	var b strings.Builder
	rest := v
	for _, e := range t.entries {
		if e.value != 0 && rest&e.value == e.value {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(e.name)
			rest &^= e.value
		}
	}
	if rest != 0 {
		if b.Len() == 0 {
			return hexText(rest) + t.unknownComment()
		}
		b.WriteString("|" + hexText(rest))
	}
	return b.String()
}

// lookup finds v in an enum set. Values passed as C ints arrive
// sign-extended or with garbage above bit 31, so a 32-bit match counts.
func (t *set) lookup(v uint64) (string, bool) {
	for _, e := range t.entries {
		if e.value == v {
			return e.name, true
		}
	}
	if hi := v >> 32; hi == 0 || hi == 0xffffffff {
		for _, e := range t.entries {
			if uint32(e.value) == uint32(v) && (e.value>>32 == 0 || e.value>>32 == 0xffffffff) {
				return e.name, true
			}
		}
	}
	return "", false
}

// enumText prints v as strace's printxval: the name, or the value in hex
// with a /* P_??? */ comment.
func (t *set) enumText(v uint64) string {
	if name, ok := t.lookup(v); ok {
		return name
	}
	return hexText(uint64(uint32(v))) + t.unknownComment()
}

// unknownComment is strace's " /* O_??? */" for values a set lacks: the
// prefix all names share, up to an underscore.
func (t *set) unknownComment() string {
	if d, ok := unknownDefaults[t]; ok {
		return " /* " + d + " */"
	}
	if len(t.entries) == 0 {
		return ""
	}
	first := t.entries[0].name
	i := strings.IndexByte(strings.TrimLeft(first, "_"), '_')
	if i < 0 {
		return ""
	}
	prefix := first[:i+1+len(first)-len(strings.TrimLeft(first, "_"))]
	for _, e := range t.entries {
		if !strings.HasPrefix(e.name, prefix) {
			return ""
		}
	}
	return " /* " + prefix + "??? */"
}

// hexText is C's %#x: "0" for zero, else 0x….
func hexText(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// ptrText is strace's printaddr: NULL or 0x….
func ptrText(v uint64) string {
	if v == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// octalText is strace's %#03o for modes: 000, 0644, 04755.
func octalText(v uint64) string {
	s := strconv.FormatUint(v, 8)
	if v != 0 {
		s = "0" + s
	}
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
