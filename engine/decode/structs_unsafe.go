package decode

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// readStruct reads a kernel struct into v, an x/sys/unix type generated
// from the C headers: its Go layout, padding included, is the kernel's on
// this architecture. T holds only integers, so any bytes are a valid value.
func readStruct[T any](s *state, addr uint64, v *T) bool {
	b := unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
	return readFull(s.mem, addr, b)
}

// epollEventSize is struct epoll_event: packed on amd64, padded on arm64.
var epollEventSize = int(unsafe.Sizeof(unix.EpollEvent{}))
