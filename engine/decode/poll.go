package decode

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// struct pollfd: int fd; short events; short revents.
const pollfdSize = 8

func pollfdsAt(s *state, addr, n uint64) ([][3]int64, bool) {
	n = min(n, uint64(s.o.strSize()))
	b := make([]byte, n*pollfdSize)
	if !readFull(s.mem, addr, b) {
		return nil, false
	}
	out := make([][3]int64, n)
	for j := range out {
		e := b[j*pollfdSize:]
		out[j] = [3]int64{int64(int32(binary.NativeEndian.Uint32(e))), int64(binary.NativeEndian.Uint16(e[4:])), int64(binary.NativeEndian.Uint16(e[6:]))}
	}
	return out, true
}

func decPollfds(s *state, i int, p param) {
	a := s.arg(i)
	a.Text = ptrText(a.Raw)
	if a.Raw == 0 {
		return
	}
	n := uint64(uint32(s.c.Raw[p.ref]))
	fds, ok := pollfdsAt(s, a.Raw, n)
	if !ok {
		return
	}
	var parts []string
	for _, f := range fds {
		t, _ := fdText(s, f[0])
		parts = append(parts, "{fd="+t+", events="+setPollEvents.flagsText(uint64(f[1]))+"}")
	}
	if n > uint64(len(fds)) {
		parts = append(parts, "...")
	}
	a.Text = "[" + strings.Join(parts, ", ") + "]"
	s.c.exitFns = append(s.c.exitFns, func(s *state) { pollNote(s, a.Raw, n) })
}

// pollNote is strace's annotation of poll's return: which descriptors
// are ready, or Timeout.
func pollNote(s *state, addr, n uint64) {
	if s.failed() {
		return
	}
	if s.c.Ret == 0 {
		s.c.retNote = " (Timeout)"
		return
	}
	fds, ok := pollfdsAt(s, addr, n)
	if !ok {
		return
	}
	var parts []string
	for _, f := range fds {
		if f[2] != 0 {
			t, _ := fdText(s, f[0])
			parts = append(parts, "{fd="+t+", revents="+setPollEvents.flagsText(uint64(f[2]))+"}")
		}
	}
	s.c.retNote = " ([" + strings.Join(parts, ", ") + "])"
}

func epollEventText(b []byte) string {
	ev := binary.NativeEndian.Uint32(b)
	data := binary.NativeEndian.Uint64(b[len(b)-8:])
	return "{events=" + setEpollEvents.flagsText(uint64(ev)) + ", data={u32=" + strconv.FormatUint(uint64(uint32(data)), 10) +
		", u64=" + strconv.FormatUint(data, 10) + "}}"
}

func decEpollEvent(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text = ptrText(a.Raw)
	if a.Raw == 0 {
		return
	}
	b := make([]byte, epollEventSize)
	if readFull(s.mem, a.Raw, b) {
		a.Text = epollEventText(b)
	}
}

func exitEpollEvents(s *state, i int, _ param) {
	n, ok := retLen(s)
	if !ok {
		return
	}
	a := s.arg(i)
	shown := min(n, uint64(s.o.strSize()))
	b := make([]byte, int(shown)*epollEventSize)
	if !readFull(s.mem, a.Raw, b) {
		return
	}
	var parts []string
	for j := 0; j < int(shown); j++ {
		parts = append(parts, epollEventText(b[j*epollEventSize:(j+1)*epollEventSize]))
	}
	if n > shown {
		parts = append(parts, "...")
	}
	a.Text = "[" + strings.Join(parts, ", ") + "]"
}
