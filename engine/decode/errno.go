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

// straceErrnoNames are the numbers strace 6.1 names otherwise than
// x/sys/unix (one name per number: strace says EOPNOTSUPP where Go says
// ENOTSUP), the ones it does not know (""), and the kernel-internal errors
// above 512 it names though userspace has no names for them.
var straceErrnoNames = map[int]string{
	95: "EOPNOTSUPP", 117: "EUCLEAN", 134: "",
	515: "ENOIOCTLCMD", 517: "EPROBE_DEFER", 518: "EOPENSTALE", 521: "EBADHANDLE",
	522: "ENOTSYNC", 523: "EBADCOOKIE", 524: "ENOTSUPP", 525: "ETOOSMALL",
	526: "ESERVERFAULT", 527: "EBADTYPE", 528: "EJUKEBOX", 529: "EIOCBQUEUED",
	530: "ERECALLCONFLICT",
}

// ErrnoName is the symbolic name of errno as strace prints it ("ENOENT"),
// "" if unknown.
func ErrnoName(errno int) string {
	if r, ok := restartErrnos[errno]; ok {
		return r[0]
	}
	if errno <= 0 {
		return ""
	}
	if name, ok := straceErrnoNames[errno]; ok {
		return name
	}
	return unix.ErrnoName(syscall.Errno(errno))
}

// ErrnoMessage is strerror's text for errno ("No such file or directory").
func ErrnoMessage(errno int) string {
	if r, ok := restartErrnos[errno]; ok {
		return r[1]
	}
	if name, ok := straceErrnoNames[errno]; errno <= 0 || errno > 511 || (ok && name == "") || unix.ErrnoName(syscall.Errno(errno)) == "" {
		return "Unknown error " + strconv.Itoa(errno) // glibc's strerror
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
		return "-1 (errno " + strconv.Itoa(errno) + ")" // strace's print_err_ret
	}
	return "-1 " + name + " (" + ErrnoMessage(errno) + ")"
}
