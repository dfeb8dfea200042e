package strace

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/sockdiag"
	"golang.org/x/sys/unix"
)

// memory is what the decoder reads a stop through: the stop itself, or,
// with -yy, the stop with a describer of its descriptors.
func (t *tracer) memory(st *engine.Stop) decode.Memory {
	if t.dopts.FdDetails == 0 {
		return st
	}
	if t.socks == nil {
		t.socks = &sockdiag.Cache{}
	}
	return describer{st, t.socks}
}

// describer is decode's fdDescriber for one stop: sockets through
// sock_diag, devices by stat, pidfds from /proc/TID/fdinfo.
type describer struct {
	*engine.Stop
	socks *sockdiag.Cache
}

func (d describer) DescribeFd(fd int, path string) (string, bool) {
	fdPath := "/proc/" + strconv.Itoa(d.Tid) + "/fd/" + strconv.Itoa(fd)
	switch {
	case strings.HasPrefix(path, "socket:["):
		ino, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(path, "socket:["), "]"), 10, 64)
		if err != nil || ino == 0 {
			return "", false
		}
		return d.socks.Describe(ino, sockProto(fdPath))
	case path == "anon_inode:[pidfd]":
		if pid := pidfdPid("/proc/" + strconv.Itoa(d.Tid) + "/fdinfo/" + strconv.Itoa(fd)); pid > 0 {
			return "pid:" + strconv.Itoa(pid), true
		}
	case strings.HasPrefix(path, "/"):
		var st unix.Stat_t
		if unix.Stat(path, &st) != nil {
			return "", false
		}
		kind := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFCHR:
			kind = "char"
		case unix.S_IFBLK:
			kind = "block"
		default:
			return "", false
		}
		return kind + " " + strconv.Itoa(int(unix.Major(st.Rdev))) + ":" + strconv.Itoa(int(unix.Minor(st.Rdev))), true
	}
	return "", false
}

// sockProto is the kernel's name for a socket's protocol
// (system.sockprotoname: "TCP", "UDPv6", "UNIX-STREAM", "NETLINK"), "" when
// it cannot be read.
func sockProto(fdPath string) string {
	var b [32]byte
	n, err := unix.Getxattr(fdPath, "system.sockprotoname", b[:])
	if err != nil || n <= 0 {
		return ""
	}
	return strings.TrimRight(string(b[:n]), "\x00")
}

// pidfdPid is the Pid: line of a pidfd's fdinfo; 0 when unknown.
func pidfdPid(fdinfo string) int {
	f, err := os.Open(fdinfo)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pid:\t"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
