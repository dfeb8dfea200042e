package notify

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// BeneathResolve is how OpenBeneath resolves a path: never above the
// directory (no "..", no absolute path, no symlink escaping it), through
// no symbolic link at all and no /proc magic link.
const BeneathResolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// OpenBeneath opens path relative to the directory dir with openat2(2) and
// BeneathResolve, with the open flags and mode of an open(2) call. It is
// the supervisor's half of an emulated open: the supervisor checks the
// path it read once and opens exactly that, so a caller that rewrites its
// path buffer after the read changes nothing (answer with Call.ReplyFd).
// A path that would leave dir fails with EXDEV, one through a symbolic link
// with ELOOP; the returned error wraps the errno.
func OpenBeneath(dir, path string, flags int, mode uint32) (int, error) {
	if strings.HasPrefix(path, "/") {
		return -1, fmt.Errorf("opening %q beneath %s: %w", path, dir, unix.EXDEV)
	}
	d, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("opening directory %s: %w", dir, err)
	}
	defer unix.Close(d)
	how := unix.OpenHow{Flags: uint64(flags) | unix.O_CLOEXEC, Resolve: BeneathResolve}
	if flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE {
		how.Mode = uint64(mode & 0o7777)
	}
	for {
		fd, err := unix.Openat2(d, path, &how)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("opening %q beneath %s: %w", path, dir, err)
		}
		return fd, nil
	}
}
