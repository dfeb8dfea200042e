package decode

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// readCString reads a NUL-terminated string of at most limit bytes and
// renders it as strace does: quoted, with "..." when longer than limit.
// ok is false when the memory is unreadable (the caller prints the address).
func readCString(s *state, addr uint64, limit int) (text, value string, ok bool) {
	str, truncated, err := s.mem.ReadString(addr, limit+1)
	if err != nil || len(str) > limit+1 {
		return "", "", false
	}
	if !truncated {
		if len(str) > limit { // a reader that ignored max
			str = str[:limit]
			return quote([]byte(str), s.qs()) + "...", str, true
		}
		return quote([]byte(str), s.qs()), str, true
	}
	if len(str) < limit+1 {
		return "", "", false // unreadable before any NUL
	}
	str = str[:limit]
	return quote([]byte(str), s.qs()) + "...", str, true
}

// decPath: file names are shown in full (up to PATH_MAX), whatever -s says.
func decPath(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = pathText(s, a.Raw)
}

func pathText(s *state, addr uint64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	text, v, ok := readCString(s, addr, pathMax-1)
	if !ok {
		return ptrText(addr), nil
	}
	return text, v
}

func decStr(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = strText(s, a.Raw)
}

func strText(s *state, addr uint64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	text, v, ok := readCString(s, addr, s.o.strSize())
	if !ok {
		return ptrText(addr), nil
	}
	return text, v
}

// bufText is strace's printstrn: n bytes at addr, cut at -s.
func bufText(s *state, addr, n uint64, st quoteStyle) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	limit := uint64(s.o.strSize())
	show := min(n, limit)
	b := make([]byte, show)
	if !readFull(s.mem, addr, b) {
		return ptrText(addr), nil
	}
	text := quote(b, st)
	if n > limit {
		text += "..."
	}
	return text, string(b)
}

func decInbuf(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = bufText(s, a.Raw, s.c.Raw[p.ref], s.qs())
}

// pendingPtr is what an out argument shows until the call returns.
func pendingPtr(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
}

// retLen is how many bytes a successful call filled in.
func retLen(s *state) (uint64, bool) {
	if s.failed() || !s.c.Done {
		return 0, false
	}
	return uint64(s.c.Ret), true
}

func exitOutbuf(s *state, i int, _ param) {
	if n, ok := retLen(s); ok {
		a := s.arg(i)
		a.Text, a.Value = bufText(s, a.Raw, n, s.qs())
	}
}

func exitHexbuf(s *state, i int, _ param) {
	if n, ok := retLen(s); ok {
		a := s.arg(i)
		a.Text, a.Value = bufText(s, a.Raw, n, quoteStyle{hex: true})
	}
}

// exitOutpath is getcwd's buffer: a file name, shown in full.
func exitOutpath(s *state, i int, _ param) {
	n, ok := retLen(s)
	if !ok {
		return
	}
	a := s.arg(i)
	n = min(n, pathMax)
	b := make([]byte, n)
	if a.Raw == 0 || !readFull(s.mem, a.Raw, b) {
		return
	}
	for j, c := range b {
		if c == 0 {
			b = b[:j]
			break
		}
	}
	a.Text, a.Value = quote(b, s.qs()), string(b)
}

// readWords reads n pointer-sized words; ok is false when any is unreadable.
func readWords(s *state, addr uint64, n int) ([]uint64, bool) {
	if n <= 0 {
		return nil, true
	}
	b := make([]byte, 8*n)
	if !readFull(s.mem, addr, b) {
		return nil, false
	}
	out := make([]uint64, n)
	for j := range out {
		out[j] = binary.NativeEndian.Uint64(b[8*j:])
	}
	return out, true
}

// decStrarray is execve's argv: the strings (at most -s of them unless
// -v), "... /* 0xADDR */" where the array becomes unreadable.
func decStrarray(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = argvText(s, a.Raw)
}

// maxEnvCount bounds the walk of argv and envp; a tracee can pass an
// endless array.
const maxEnvCount = 1 << 16

// argvText is strace's printargv.
func argvText(s *state, addr uint64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	limit := maxArrayElems
	if !s.o.Verbose {
		limit = min(limit, s.o.strSize())
	}
	var text strings.Builder
	var vals []string
	for n := 0; ; n++ {
		cur := addr + uint64(8*n)
		w, ok := readWords(s, cur, 1)
		if !ok || cur < addr {
			if n == 0 {
				return ptrText(addr), nil
			}
			text.WriteString(", ... /* " + ptrText(cur) + " */")
			break
		}
		if n == 0 {
			text.WriteByte('[')
		}
		if w[0] == 0 {
			break
		}
		if n > 0 {
			text.WriteString(", ")
		}
		if n >= limit {
			text.WriteString("...")
			break
		}
		t, v := strText(s, w[0])
		text.WriteString(t)
		if str, ok := v.(string); ok {
			vals = append(vals, str)
		}
	}
	text.WriteByte(']')
	return text.String(), vals
}

// decEnvp is execve's envp: the address and how many variables, or with
// -v the strings as argv.
func decEnvp(s *state, i int, _ param) {
	a := s.arg(i)
	if s.o.Verbose {
		a.Text, a.Value = argvText(s, a.Raw)
		return
	}
	a.Text, a.Value = ptrText(a.Raw), a.Raw
	if a.Raw == 0 {
		return
	}
	n, unterminated := 0, false
	for ; n < maxEnvCount; n++ {
		w, ok := readWords(s, a.Raw+uint64(8*n), 1)
		if !ok {
			if n == 0 {
				return
			}
			unterminated = true
			break
		}
		if w[0] == 0 {
			break
		}
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	note := ""
	if unterminated {
		note = ", unterminated"
	}
	a.Text = ptrText(a.Raw) + " /* " + strconv.Itoa(n) + " var" + plural + note + " */"
	a.Value = int64(n)
}

// iovecSize is struct iovec on 64-bit architectures.
const iovecSize = 16

// iovecText prints [{iov_base="…", iov_len=N}, …]; with total >= 0 only
// that many bytes are data (readv after its return).
func iovecText(s *state, addr, count uint64, total int64) (string, any) {
	var vals []string
	text := arrayText(s, addr, count, iovecSize, func(e []byte) string {
		base, n := binary.NativeEndian.Uint64(e), binary.NativeEndian.Uint64(e[8:])
		shown := n
		if total >= 0 {
			shown = min(n, uint64(total))
			total -= int64(shown)
		}
		t, val := bufText(s, base, shown, s.qs())
		if str, ok := val.(string); ok {
			vals = append(vals, str)
		}
		return "{iov_base=" + t + ", iov_len=" + strconv.FormatUint(n, 10) + "}"
	})
	if !strings.HasPrefix(text, "[") {
		return text, nil
	}
	return text, vals
}

func decIovecIn(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = iovecText(s, a.Raw, s.c.Raw[p.ref], -1)
}

func exitIovecOut(s *state, i int, p param) {
	if n, ok := retLen(s); ok {
		a := s.arg(i)
		a.Text, a.Value = iovecText(s, a.Raw, s.c.Raw[p.ref], int64(n))
	}
}
