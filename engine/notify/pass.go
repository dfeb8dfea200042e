package notify

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SendFd passes descriptor fd to the process listening on the unix stream
// socket at path (SCM_RIGHTS, with one byte 'L'): how a supervisor hands
// its listener to another process that serves it (RecvFd there). This
// process keeps its own fd.
func SendFd(path string, fd int) error {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sending descriptor to %s: %w", path, err)
	}
	defer unix.Close(s)
	if err := unix.Connect(s, &unix.SockaddrUnix{Name: path}); err != nil {
		return fmt.Errorf("sending descriptor to %s: %w", path, err)
	}
	for {
		err = unix.Sendmsg(s, []byte{'L'}, unix.UnixRights(fd), nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("sending descriptor to %s: %w", path, err)
	}
	return nil
}

// RecvFd listens on a new unix stream socket at path (mode 0600: only
// this uid, and root, may connect), takes one connection, and returns the
// descriptor it carries (close-on-exec). The socket file is removed
// before it returns.
func RecvFd(path string) (int, error) {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("receiving a descriptor on %s: %w", path, err)
	}
	defer unix.Close(s)
	old := unix.Umask(0o177)
	err = unix.Bind(s, &unix.SockaddrUnix{Name: path})
	unix.Umask(old)
	if err != nil {
		return -1, fmt.Errorf("receiving a descriptor on %s: %w", path, err)
	}
	defer os.Remove(path)
	if err := unix.Listen(s, 1); err != nil {
		return -1, fmt.Errorf("receiving a descriptor on %s: %w", path, err)
	}
	var c int
	for {
		c, _, err = unix.Accept4(s, unix.SOCK_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, fmt.Errorf("receiving a descriptor on %s: %w", path, err)
	}
	defer unix.Close(c)
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	var n, oobn int
	for {
		n, oobn, _, _, err = unix.Recvmsg(c, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, fmt.Errorf("receiving a descriptor on %s: %w", path, err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || n != 1 || len(msgs) != 1 {
		return -1, fmt.Errorf("receiving a descriptor on %s: no descriptor came", path)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return -1, fmt.Errorf("receiving a descriptor on %s: no descriptor came", path)
	}
	for _, f := range fds[1:] {
		unix.Close(f)
	}
	return fds[0], nil
}
