package decode

// Memory is the tracee as the decoders see it: its memory and its file
// descriptors, valid for the stop being decoded. *engine.Stop implements it.
// Every error is treated as "unreadable": the decoders then print the
// address, as strace does.
type Memory interface {
	// ReadMemory reads at addr into b and returns how many bytes were read.
	ReadMemory(addr uint64, b []byte) (int, error)
	// ReadString reads a NUL-terminated string of at most max bytes;
	// truncated reports that no NUL was found.
	ReadString(addr uint64, max int) (s string, truncated bool, err error)
	// FdPath is what /proc/PID/fd/N points to.
	FdPath(fd int) (string, error)
}

// cwdReader is a Memory that can also tell the working directory, which
// -y shows after AT_FDCWD. *engine.Stop is one.
type cwdReader interface {
	Cwd() (string, error)
}

// sockDetailer is a Memory that can describe a socket descriptor as
// strace -yy does ("TCP:[127.0.0.1:80]"). *engine.Stop is one.
type sockDetailer interface {
	SocketDetails(fd int) (string, error)
}

// Options are strace's output options.
type Options struct {
	// StrSize is -s: how many bytes of a string or buffer to show; 0 means
	// strace's default, 32, and a negative value none (strace -s 0). File
	// names are always shown in full.
	StrSize int
	// FdPaths is -y: show the path behind every file descriptor.
	FdPaths bool
	// SockDetails is -yy: with FdPaths, a socket shows its protocol and
	// addresses (TCP:[127.0.0.1:80]) when the Memory can tell them.
	SockDetails bool
}

const (
	defaultStrSize = 32
	maxStrSize     = 1 << 20 // a sane cap for a -s that would read megabytes per call
	pathMax        = 4096    // PATH_MAX, NUL included
	maxArrayRead   = 1 << 20 // bytes read for one struct array (dirents, iovecs)
)

func (o Options) strSize() int {
	switch {
	case o.StrSize < 0:
		return 0
	case o.StrSize == 0:
		return defaultStrSize
	case o.StrSize > maxStrSize:
		return maxStrSize
	}
	return o.StrSize
}

// readFull reads exactly len(b) bytes; a short read counts as a failure,
// as strace's umoven does.
func readFull(m Memory, addr uint64, b []byte) bool {
	if m == nil || addr == 0 {
		return false
	}
	if len(b) == 0 {
		return true
	}
	n, err := m.ReadMemory(addr, b)
	return err == nil && n == len(b)
}

// nullMemory is what Decode uses when given no Memory: nothing is readable.
type nullMemory struct{}

func (nullMemory) ReadMemory(uint64, []byte) (int, error)       { return 0, errUnreadable }
func (nullMemory) ReadString(uint64, int) (string, bool, error) { return "", false, errUnreadable }
func (nullMemory) FdPath(int) (string, error)                   { return "", errUnreadable }
