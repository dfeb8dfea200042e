package decode

import (
	"strconv"
	"syscall"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// restartErrnos are the kernel-internal errors a traced call can show when
// a signal interrupts it (include/linux/errno.h). userspace never sees them,
// so x/sys/unix has no names for them; strace prints them with "?".
var restartErrnos = map[int][2]string{
	512: {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	513: {"ERESTARTNOINTR", "To be restarted"},
	514: {"ERESTARTNOHAND", "To be restarted if no handler"},
	516: {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
}

// ErrnoName is the symbolic name of errno ("ENOENT"), "" if unknown.
func ErrnoName(errno int) string {
	if r, ok := restartErrnos[errno]; ok {
		return r[0]
	}
	if errno <= 0 {
		return ""
	}
	return unix.ErrnoName(syscall.Errno(errno))
}

// ErrnoMessage is strerror's text for errno ("No such file or directory").
func ErrnoMessage(errno int) string {
	if r, ok := restartErrnos[errno]; ok {
		return r[1]
	}
	if errno <= 0 || unix.ErrnoName(syscall.Errno(errno)) == "" {
		return "Unknown error " + strconv.Itoa(errno)
	}
	// Go's messages are glibc's with the first letter lowered.
	msg := syscall.Errno(errno).Error()
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// errnoText is what strace prints after "= " for a failed call.
func errnoText(errno int) string {
	if r, ok := restartErrnos[errno]; ok {
		return "? " + r[0] + " (" + r[1] + ")"
	}
	name := ErrnoName(errno)
	if name == "" {
		return "-1 " + strconv.Itoa(errno) + " (" + ErrnoMessage(errno) + ")"
	}
	return "-1 " + name + " (" + ErrnoMessage(errno) + ")"
}
