package decode

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// struct pollfd: int fd; short events; short revents.
const pollfdSize = 8

func pollfdAt(e []byte) (fd int32, events, revents uint16) {
	return int32(binary.NativeEndian.Uint32(e)), binary.NativeEndian.Uint16(e[4:]), binary.NativeEndian.Uint16(e[6:])
}

// decPollfds prints the array as strace does: {fd=N, events=…}, only the
// fd for a negative one (the kernel ignores it).
func decPollfds(s *state, i int, p param) {
	a := s.arg(i)
	n := uint64(uint32(s.c.Raw[p.ref]))
	a.Text = arrayText(s, a.Raw, n, pollfdSize, func(e []byte) string {
		fd, events, _ := pollfdAt(e)
		t, _ := fdText(s, int64(fd))
		if fd < 0 {
			return "{fd=" + t + "}"
		}
		return "{fd=" + t + ", events=" + setPollEvents.flagsText(uint64(events)) + "}"
	})
	pts := uint64(0) // ppoll's timeout: the note tells the time left
	if s.c.Name == "ppoll" {
		pts = s.c.Raw[2]
	}
	s.c.exitFns = append(s.c.exitFns, func(s *state) { pollNote(s, a.Raw, n, pts) })
}

// pollNote is strace's annotation of poll's return: the descriptors with
// events (at most -s of them unless -v, the fd as a plain number), the
// address where memory ends, then for ppoll the time left from pts; or
// Timeout.
func pollNote(s *state, addr, n, pts uint64) {
	if s.failed() {
		return
	}
	if s.c.Ret == 0 {
		s.c.retNote = " (Timeout)"
		return
	}
	if addr == 0 || n == 0 || addr+n*pollfdSize < addr {
		return
	}
	maxShown := uint64(s.o.strSize())
	if s.o.Verbose {
		maxShown = ^uint64(0)
	}
	n = min(n, maxArrayElems)
	b := make([]byte, n*pollfdSize)
	whole := readFull(s.mem, addr, b)
	// strace builds the note in a 1024-byte buffer and ends it with "..."
	// where the next entry would not fit with room for ", ], ..." and an
	// address.
	const noteRoom = 1024 - (2 + 2*8 + len(", ], ...") + 1)
	var note strings.Builder
	next := func() {
		if note.Len() == 0 {
			note.WriteByte('[')
		} else {
			note.WriteString(", ")
		}
	}
	shown := uint64(0)
	for j := uint64(0); j < n; j++ {
		e := b[j*pollfdSize : (j+1)*pollfdSize]
		if !whole && !readFull(s.mem, addr+j*pollfdSize, e) {
			next()
			note.WriteString(hexText(addr + j*pollfdSize))
			break
		}
		fd, _, revents := pollfdAt(e)
		if revents == 0 {
			continue
		}
		next()
		if shown >= maxShown {
			note.WriteString("...")
			break
		}
		head := "{fd=" + strconv.Itoa(int(fd)) + ", revents="
		flags := setPollEvents.flagsText(uint64(revents))
		if note.Len()+len(head)+len(flags)+1 >= noteRoom {
			note.WriteString("...")
			break
		}
		note.WriteString(head + flags + "}")
		shown++
	}
	if note.Len() > 0 {
		note.WriteByte(']')
	}
	if pts != 0 {
		left := hexText(pts)
		if t, _, ok := timespecAt(s, pts); ok {
			left = t
		}
		sep := ", left "
		if note.Len() == 0 {
			sep = "left "
		}
		if note.Len()+len(", left ")+1+len(left) < 1024 {
			note.WriteString(sep + left)
		} else {
			note.WriteString(", ...")
		}
	}
	if note.Len() > 0 {
		s.c.retNote = " (" + note.String() + ")"
	}
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
	a.Text = arrayText(s, a.Raw, n, epollEventSize, epollEventText)
}
