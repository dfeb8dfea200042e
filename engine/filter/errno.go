package filter

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

var errnoTable = sync.OnceValue(func() map[string]int {
	m := make(map[string]int)
	for n := 1; n <= MaxErrno; n++ {
		if name := unix.ErrnoName(syscall.Errno(n)); name != "" {
			m[name] = n
		}
	}
	// unix.ErrnoName knows one name per number, so the well-known aliases
	// would otherwise be rejected; their values still come from unix.
	for name, e := range map[string]syscall.Errno{
		"EAGAIN":      unix.EAGAIN,
		"EWOULDBLOCK": unix.EWOULDBLOCK,
		"EDEADLK":     unix.EDEADLK,
		"EDEADLOCK":   unix.EDEADLOCK,
		"EOPNOTSUPP":  unix.EOPNOTSUPP,
		"ENOTSUP":     unix.ENOTSUP,
	} {
		if _, ok := m[name]; !ok {
			m[name] = int(e)
		}
	}
	return m
})

// ErrnoByName resolves "EPERM" (or "eperm") to its number on this system.
func ErrnoByName(name string) (int, error) {
	if n, ok := errnoTable()[strings.ToUpper(name)]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownErrno, name)
}

// ErrnoName is the symbolic name of errno, or its decimal form when the
// system has no name for it.
func ErrnoName(errno int) string {
	if errno > 0 && errno <= MaxErrno {
		if name := unix.ErrnoName(syscall.Errno(errno)); name != "" {
			return name
		}
	}
	return strconv.Itoa(errno)
}
