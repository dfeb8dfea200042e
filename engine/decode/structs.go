package decode

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"
)

// outStruct is the common shape of out-struct decoders: the address until
// a successful return, then fill's text.
func outStruct(s *state, i int, fill func(addr uint64) (string, any, bool)) {
	if s.failed() {
		return
	}
	a := s.arg(i)
	if a.Raw == 0 {
		a.Text = "NULL"
		return
	}
	if text, v, ok := fill(a.Raw); ok {
		a.Text, a.Value = text, v
	}
}

// inStruct decodes a struct the kernel reads at entry: its address until
// (and unless) it can be read.
func inStruct(s *state, i int, at func(s *state, addr uint64) (string, any, bool)) {
	a := s.arg(i)
	a.Text = ptrText(a.Raw)
	if a.Raw == 0 {
		return
	}
	if text, v, ok := at(s, a.Raw); ok {
		a.Text, a.Value = text, v
	}
}

func timespecAt(s *state, addr uint64) (string, any, bool) {
	var ts unix.Timespec
	if !readStruct(s, addr, &ts) {
		return "", nil, false
	}
	return "{tv_sec=" + strconv.FormatInt(ts.Sec, 10) + ", tv_nsec=" + strconv.FormatUint(uint64(ts.Nsec), 10) + "}",
		map[string]any{"tv_sec": ts.Sec, "tv_nsec": ts.Nsec}, true
}

func decTimespecIn(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), nil
	if a.Raw == 0 {
		return
	}
	if text, v, ok := timespecAt(s, a.Raw); ok {
		a.Text, a.Value = text, v
	}
}

func exitTimespecOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return timespecAt(s, addr) })
}

func rlimText(v uint64) string {
	switch {
	case v == ^uint64(0):
		return "RLIM64_INFINITY"
	case v > 1024 && v%1024 == 0:
		return strconv.FormatUint(v/1024, 10) + "*1024"
	}
	return strconv.FormatUint(v, 10)
}

func rlimitAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 2)
	if !ok {
		return "", nil, false
	}
	return "{rlim_cur=" + rlimText(w[0]) + ", rlim_max=" + rlimText(w[1]) + "}",
		map[string]any{"rlim_cur": w[0], "rlim_max": w[1]}, true
}

func decRlimitIn(s *state, i int, _ param) { inStruct(s, i, rlimitAt) }

func exitRlimitOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return rlimitAt(s, addr) })
}

func intAt(s *state, addr uint64) (string, any, bool) {
	v, ok := readInt32(s, addr)
	if !ok {
		return "", nil, false
	}
	return "[" + strconv.Itoa(int(v)) + "]", int64(v), true
}

func decIntptrIn(s *state, i int, _ param) { inStruct(s, i, intAt) }

func exitIntptrOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return intAt(s, addr) })
}

func exitFdpair(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var b [8]byte
		if !readFull(s.mem, addr, b[:]) {
			return "", nil, false
		}
		fd0 := int64(int32(binary.NativeEndian.Uint32(b[:])))
		fd1 := int64(int32(binary.NativeEndian.Uint32(b[4:])))
		t0, _ := fdText(s, fd0)
		t1, _ := fdText(s, fd1)
		return "[" + t0 + ", " + t1 + "]", []int64{fd0, fd1}, true
	})
}

// exitRemain is a sleep's remaining time: the kernel writes it only when a
// signal cut the sleep short (an ERESTART* error), so strace shows it only
// then; after any other error or success it stays an address.
func exitRemain(s *state, i int, _ param) {
	if !s.c.Done || !isRestart(s.c.Errno) {
		return
	}
	a := s.arg(i)
	if a.Raw == 0 {
		return
	}
	if text, v, ok := timespecAt(s, a.Raw); ok {
		a.Text, a.Value = text, v
	}
}

// uidsText prints a gid_t array as strace's print_groups: [0, 4, 27],
// -1 for (gid_t)-1, through print_array (-s entries unless -v); more than
// NGROUPS_MAX (65536) entries print as the address.
func uidsText(s *state, addr, n uint64) (string, any, bool) {
	if n > 65536 {
		return "", nil, false
	}
	return arrayText(s, addr, n, 4, func(e []byte) string {
		v := binary.NativeEndian.Uint32(e)
		if v == 0xffffffff {
			return "-1"
		}
		return strconv.FormatUint(uint64(v), 10)
	}), nil, true
}

func decUidsIn(s *state, i int, p param) {
	a := s.arg(i)
	a.Text = ptrText(a.Raw)
	if a.Raw == 0 {
		return
	}
	if text, _, ok := uidsText(s, a.Raw, uint64(uint32(s.c.Raw[p.ref]))); ok {
		a.Text = text
	}
}

// exitUidsOut shows as many entries as the call returned, as strace does
// even for a size-0 call that only counts them (the buffer then holds
// whatever was there before).
func exitUidsOut(s *state, i int, _ param) {
	n, ok := retLen(s)
	if !ok {
		return
	}
	outStruct(s, i, func(addr uint64) (string, any, bool) { return uidsText(s, addr, n) })
}
