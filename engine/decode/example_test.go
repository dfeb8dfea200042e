package decode_test

import (
	"errors"
	"fmt"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// tracee stands in for *engine.Stop: one string at 0x1000.
type tracee struct{}

var errFault = errors.New("bad address")

func (tracee) ReadMemory(addr uint64, b []byte) (int, error) { return 0, errFault }

func (tracee) ReadString(addr uint64, max int) (string, bool, error) {
	if addr != 0x1000 {
		return "", false, errFault
	}
	return "/etc/passwd", false, nil
}

func (tracee) FdPath(fd int) (string, error) { return "", errFault }

func Example() {
	nr, _ := decode.Number("openat")
	const atFdcwd = 0xffffffffffffff9c // -100 in a register
	const oRdonlyCloexec = 0o2000000
	args := [6]uint64{atFdcwd, 0x1000, oRdonlyCloexec}

	// At the entry: the path is read now, while the tracee is stopped.
	c := decode.Decode(nr, args, tracee{}, decode.Options{})
	fmt.Println(c.Format())

	// At the exit: the return value completes the line.
	c.Exit(-2, tracee{}, decode.Options{})
	fmt.Println(c.Format())
	fmt.Println(c.Args[1].Name, c.Args[1].Type, c.Args[1].Value, c.ErrnoName())
	// Output:
	// openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)
	// openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
	// pathname path /etc/passwd ENOENT
}
