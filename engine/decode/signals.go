package decode

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
)

// sigsetBytes is the only sigset size strace reads on a 64-bit tracee: at
// least a word and at most NSIG/8; any other size prints the address.
const sigsetBytes = 8

// sigsetText is strace's sprintsigmask: the names without SIG, or the
// complement ~[…] when more than half are set.
func sigsetText(b []byte) string {
	nbits := 8 * len(b)
	set := func(sig int) bool { return b[(sig-1)/8]&(1<<((sig-1)%8)) != 0 }
	pop := 0
	for _, c := range b {
		pop += bits.OnesCount8(c)
	}
	invert := pop*2 > nbits
	var names []string
	for sig := 1; sig <= nbits; sig++ {
		if set(sig) != invert {
			names = append(names, strings.TrimPrefix(signalText(int64(sig)), "SIG"))
		}
	}
	text := "[" + strings.Join(names, " ") + "]"
	if invert {
		return "~" + text
	}
	return text
}

func sigsetAt(s *state, addr, size uint64) (string, any, bool) {
	return sigsetMinAt(s, addr, size, sigsetBytes)
}

// sigsetMinAt reads a sigset of size bytes, from minSize up to 8.
func sigsetMinAt(s *state, addr, size, minSize uint64) (string, any, bool) {
	if size < minSize || size > sigsetBytes {
		return "", nil, false
	}
	b := make([]byte, size)
	if !readFull(s.mem, addr, b) {
		return "", nil, false
	}
	return sigsetText(b), nil, true
}

func decSigsetIn(s *state, i int, p param) {
	a := s.arg(i)
	a.Text = ptrText(a.Raw)
	if a.Raw == 0 {
		return
	}
	if text, _, ok := sigsetAt(s, a.Raw, s.c.Raw[p.ref]); ok {
		a.Text = text
	}
}

func exitSigsetOut(s *state, i int, p param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return sigsetAt(s, addr, s.c.Raw[p.ref]) })
}

// sigactionAt prints the kernel's struct sigaction (handler, flags,
// restorer, mask on amd64 and arm64).
func sigactionAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 4)
	if !ok {
		return "", nil, false
	}
	handler, flags, restorer := w[0], w[1], w[2]
	var mask [8]byte
	binary.NativeEndian.PutUint64(mask[:], w[3])
	var h string
	switch handler {
	case 0:
		h = "SIG_DFL"
	case 1:
		h = "SIG_IGN"
	default:
		h = hexText(handler)
	}
	text := "{sa_handler=" + h + ", sa_mask=" + sigsetText(mask[:]) + ", sa_flags=" + setSaFlags.flagsText(flags)
	if flags&0x04000000 != 0 { // SA_RESTORER
		text += ", sa_restorer=" + hexText(restorer)
	}
	return text + "}", nil, true
}

func decSigactionIn(s *state, i int, _ param) { inStruct(s, i, sigactionAt) }

func exitSigactionOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return sigactionAt(s, addr) })
}

// exitWstatus decodes the status wait4 stored, when it stored one.
func exitWstatus(s *state, i int, _ param) {
	if s.c.Ret <= 0 {
		return
	}
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		v, ok := readInt32(s, addr)
		if !ok {
			return "", nil, false
		}
		return wstatusText(uint32(v)), int64(v), true
	})
}

// wstatusText is strace's printstatus.
func wstatusText(st uint32) string {
	var text string
	switch {
	case st&0xff == 0x7f:
		sig := (st >> 8) & 0xff
		text = "[{WIFSTOPPED(s) && WSTOPSIG(s) == " + signalText(int64(sig&0x7f))
		if sig&0x80 != 0 {
			text += " | 0x80"
		}
		text += "}"
		st &^= sig<<8 | 0x7f
	case st&0x7f != 0 && st != 0xffff:
		text = "[{WIFSIGNALED(s) && WTERMSIG(s) == " + signalText(int64(st&0x7f))
		if st&0x80 != 0 {
			text += " && WCOREDUMP(s)"
		}
		text += "}"
		st &^= 0xff
	case st&0x7f == 0:
		text = "[{WIFEXITED(s) && WEXITSTATUS(s) == " + strconv.Itoa(int((st>>8)&0xff)) + "}"
		st &^= 0xff00
	default:
		text = "[{WIFCONTINUED(s)}"
		st = 0
	}
	if st != 0 {
		text += " | " + hexText(uint64(st))
	}
	return text + "]"
}

func init() {
	decoders[kindStackIn] = decoder{entry: decStackIn}
	decoders[kindStackOut] = decoder{exit: exitStackOut}
	valueKindOf[kindStackIn] = ValueUint64
	valueKindOf[kindStackOut] = ValueUint64
	decoders[kindPendingSigsetOut] = decoder{exit: exitPendingSigset}
	valueKindOf[kindPendingSigsetOut] = ValueUint64
}

// exitPendingSigset is rt_sigpending's set: the kernel takes any size up
// to 8 (the old sigpending shares its code), and so does strace.
func exitPendingSigset(s *state, i int, p param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return sigsetMinAt(s, addr, s.c.Raw[p.ref], 1) })
}

// stackAt is strace's print_stack_t for sigaltstack's stack_t: a pointer,
// an int of SS_ flags (then padding), a size_t.
func stackAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 3)
	if !ok {
		return "", nil, false
	}
	flags := uint64(uint32(w[1]))
	return "{ss_sp=" + ptrText(w[0]) + ", ss_flags=" + setSigaltstackFlags.flagsText(flags) + ", ss_size=" + strconv.FormatUint(w[2], 10) + "}",
		map[string]any{"ss_sp": w[0], "ss_flags": flags, "ss_size": w[2]}, true
}

func decStackIn(s *state, i int, _ param) { inStruct(s, i, stackAt) }

func exitStackOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return stackAt(s, addr) })
}
