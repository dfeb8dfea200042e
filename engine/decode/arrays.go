package decode

import "strings"

// maxArrayElems bounds the elements one array (poll's fds, iovecs, argv,
// envp) shows with -v, where strace has no limit: a tracee can pass a
// count of billions, and each element may cost a read.
const maxArrayElems = 1 << 12

// arrayText is strace's print_array for n elements of size bytes at addr,
// each rendered by elem: "[e0, e1, ...]", cut after -s elements unless
// -v. Elements are fetched one by one as strace does: when the first is
// unreadable the address is printed, when a later one is the list ends in
// "... /* 0xADDR */".
func arrayText(s *state, addr, n uint64, size int, elem func(b []byte) string) string {
	if addr == 0 {
		return "NULL"
	}
	if n == 0 {
		return "[]"
	}
	if size <= 0 || n > ^uint64(0)/uint64(size) || addr+n*uint64(size) < addr {
		return ptrText(addr)
	}
	limit := n
	if !s.o.Verbose {
		limit = min(limit, uint64(s.o.strSize()))
	}
	limit = min(limit, maxArrayElems, uint64(maxArrayRead/size))
	// One read for everything shown and the element after the cut; one
	// by one only when that fails, to find where memory ends.
	fetch := min(n, limit+1)
	bulk := make([]byte, fetch*uint64(size))
	whole := readFull(s.mem, addr, bulk)
	var b strings.Builder
	for idx := uint64(0); idx < n; idx++ {
		cur := addr + idx*uint64(size)
		if idx > 0 {
			b.WriteString(", ")
		}
		var e []byte
		if whole && idx < fetch {
			e = bulk[idx*uint64(size) : (idx+1)*uint64(size)]
		} else {
			e = make([]byte, size)
			if !readFull(s.mem, cur, e) {
				if idx == 0 {
					return ptrText(addr)
				}
				b.WriteString("... /* " + ptrText(cur) + " */")
				break
			}
		}
		if idx == 0 {
			b.WriteByte('[')
		}
		if idx >= limit {
			b.WriteString("...")
			break
		}
		b.WriteString(elem(e))
	}
	b.WriteByte(']')
	return b.String()
}
