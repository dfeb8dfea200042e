package decode

import (
	"math/bits"
	"strconv"
	"strings"
)

// select and pselect6 (dproc's group): the fd sets at entry, and strace's
// note after a successful return: "(Timeout)", or which descriptors are
// ready and the time left.

func init() {
	decoders[kindFdset] = decoder{entry: decFdset}
	decoders[kindTimevalIn] = decoder{entry: decTimevalIn}
	valueKindOf[kindFdset] = ValueUint64
	valueKindOf[kindTimevalIn] = ValueUint64
	decoders[kindPselectSigmask] = decoder{entry: decPselectSigmask}
	valueKindOf[kindPselectSigmask] = ValueUint64
	fixups["select"] = func(s *state) { fixSelect(s, timevalText) }
	fixups["pselect6"] = func(s *state) { fixSelect(s, timespecRead) }
}

// maxSelectFds is strace's cap on nfds (the kernel rejects more anyway).
const maxSelectFds = 1024 * 1024

// selectFdsize is how many bytes of each set strace reads: nfds bits (the
// kernel truncates nfds to int, a negative one counts as 0), rounded up to
// whole longs.
func selectFdsize(nfdsReg uint64) (nfds, size int) {
	nfds = int(int32(nfdsReg))
	nfds = max(0, min(nfds, maxSelectFds))
	return nfds, ((nfds+7)/8 + 7) &^ 7
}

// setFds lists the descriptors below nfds set in b.
func setFds(b []byte, nfds int) []int {
	var fds []int
	for j, c := range b {
		for c != 0 {
			bit := bits.TrailingZeros8(c)
			c &^= 1 << bit
			if fd := 8*j + bit; fd < nfds {
				fds = append(fds, fd)
			}
		}
	}
	return fds
}

func decFdset(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
	nfds, size := selectFdsize(s.c.Raw[p.ref])
	if size == 0 || a.Raw == 0 {
		return
	}
	b := make([]byte, size)
	if !readFull(s.mem, a.Raw, b) {
		return
	}
	fds := setFds(b, nfds)
	parts := make([]string, len(fds))
	v := make([]int64, len(fds))
	for j, fd := range fds {
		parts[j], _ = fdText(s, int64(fd))
		v[j] = int64(fd)
	}
	a.Text, a.Value = "["+strings.Join(parts, " ")+"]", v
}

// timevalAt is strace's print_timeval for a kernel_old_timeval: tv_sec
// signed, tv_usec unsigned.
func timevalAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 2)
	if !ok {
		return "", nil, false
	}
	return "{tv_sec=" + strconv.FormatInt(int64(w[0]), 10) + ", tv_usec=" + strconv.FormatUint(w[1], 10) + "}",
		map[string]any{"tv_sec": int64(w[0]), "tv_usec": int64(w[1])}, true
}

func decTimevalIn(s *state, i int, _ param) { inStruct(s, i, timevalAt) }

// timevalText and timespecRead are strace's sprint_timeval and
// sprint_timespec: the struct, or its address when unreadable.
func timevalText(s *state, addr uint64) string {
	if t, _, ok := timevalAt(s, addr); ok {
		return t
	}
	return ptrText(addr)
}

func timespecRead(s *state, addr uint64) string {
	if t, _, ok := timespecAt(s, addr); ok {
		return t
	}
	return ptrText(addr)
}

// selectNoteMax is the size of strace's buffer for the note; what would
// not fit is left out as strace leaves it out.
const selectNoteMax = 1024

// fixSelect adds decode_select's exit note.
func fixSelect(s *state, left func(*state, uint64) string) {
	s.c.exitFns = append(s.c.exitFns, func(s *state) {
		if s.failed() {
			return
		}
		ready := s.c.Ret
		if ready == 0 {
			s.c.retNote = " (Timeout)"
			return
		}
		nfds, size := selectFdsize(s.c.Raw[0])
		var out strings.Builder
		sep := ""
		for k := 0; k < 3 && ready > 0; k++ {
			addr := s.c.Raw[k+1]
			b := make([]byte, size)
			if addr == 0 || size == 0 || !readFull(s.mem, addr, b) {
				continue
			}
			first := true
			for _, fd := range setFds(b, nfds) {
				// room for ", except [", an int and "]" as strace keeps
				if out.Len() < selectNoteMax-(len(", except [")+1+12+2) {
					if first {
						out.WriteString(sep + [3]string{"in", "out", "except"}[k] + " [" + strconv.Itoa(fd))
						first, sep = false, ", "
					} else {
						out.WriteString(" " + strconv.Itoa(fd))
					}
				}
				if ready--; ready == 0 {
					break
				}
			}
			// strace closes the bracket whenever anything was written
			// so far, even for a set that added nothing.
			if out.Len() > 0 {
				out.WriteByte(']')
			}
		}
		if tv := s.c.Raw[4]; tv != 0 {
			str := left(s, tv)
			if out.Len()+len("left ")+1+len(sep)+len(str) < selectNoteMax {
				out.WriteString(sep + "left " + str)
			}
		}
		s.c.retNote = " (" + out.String() + ")"
	})
}

// decPselectSigmask is pselect6's sixth argument, a pointer to the pair
// {const sigset_t *ss; size_t ss_len}, as strace's print_kernel_sigset.
func decPselectSigmask(s *state, i int, _ param) {
	inStruct(s, i, func(s *state, addr uint64) (string, any, bool) {
		w, ok := readWords(s, addr, 2)
		if !ok {
			return "", nil, false
		}
		mask := ptrText(w[0])
		if w[0] != 0 {
			if t, _, ok := sigsetAt(s, w[0], w[1]); ok {
				mask = t
			}
		}
		return "{sigmask=" + mask + ", sigsetsize=" + strconv.FormatUint(w[1], 10) + "}", nil, true
	})
}
