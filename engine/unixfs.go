package engine

import (
	"bytes"
	"encoding/binary"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Unix and netlink sockets: what the kernel checks and records about the
// caller of such a call is the caller itself: the peer's SO_PEERCRED and
// SCM_CREDENTIALS, netlink's permission checks, the file a unix bind
// makes (owner, umask), the directories a unix path resolves in. The
// tracer emulates such calls only for a tracee whose credentials are the
// tracer's (uids, gids, groups, capabilities), for unix paths only when
// the tracee has the tracer's root directory and mount namespace, and
// resolves relative paths (and makes bind's file) on an OS thread of its
// own that has entered the tracee's working directory and umask. What
// still differs: the peer sees the tracer's pid.

// statusKeys are the credential lines of /proc/…/status.
var statusKeys = []string{"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"}

func credLines(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	var out strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		for _, k := range statusKeys {
			if strings.HasPrefix(line, k) {
				out.WriteString(strings.Join(strings.Fields(line), " "))
				out.WriteByte('\n')
			}
		}
	}
	return out.String(), true
}

// sameIdentity reports whether the tracee's thread has the tracer's
// credentials, so the kernel's checks of the caller come out the same.
func (j *sockJob) sameIdentity() bool {
	if j.ident == 0 {
		j.ident = -1
		theirs, ok1 := credLines(taskPath(j.tgid, j.tid, "status"))
		ours, ok2 := credLines("/proc/self/status")
		if ok1 && ok2 && theirs == ours {
			j.ident = 1
		}
	}
	return j.ident == 1
}

func taskPath(tgid, tid int, name string) string {
	return "/proc/" + strconv.Itoa(tgid) + "/task/" + strconv.Itoa(tid) + "/" + name
}

// unixPath is the kind of a sockaddr_un: "" none/unnamed/abstract, or the
// filesystem path.
func unixPath(name []byte) string {
	if len(name) <= 2 || name[2] == 0 {
		return ""
	}
	p := name[2:]
	if i := bytes.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	return string(p)
}

// unixPaths checks where the call's unix paths resolve and prepares the
// tracee's directories when they matter; 0, or the errno that refuses.
func (j *sockJob) unixPaths(sc *SockCall) unix.Errno {
	need := false
	for _, m := range sc.Msgs {
		p := unixPath(m.Name)
		if p == "" {
			continue
		}
		if !sameRoot(j.tgid, j.tid) {
			return errnoNotEmulated
		}
		if p[0] != '/' || sc.Op == SockBind {
			need = true
		}
	}
	if !need {
		return 0
	}
	fs, err := newFsContext(j.tgid, j.tid)
	if err != nil {
		return errnoNotEmulated
	}
	j.fs = fs
	return 0
}

// sameRoot: the tracee's root directory and mount namespace are the
// tracer's, so an absolute path means the same file for both.
func sameRoot(tgid, tid int) bool {
	var a, b unix.Stat_t
	if unix.Stat(taskPath(tgid, tid, "root"), &a) != nil || unix.Stat("/", &b) != nil {
		return false
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		return false
	}
	n1, err1 := os.Readlink(taskPath(tgid, tid, "ns/mnt"))
	n2, err2 := os.Readlink("/proc/self/ns/mnt")
	return err1 == nil && err2 == nil && n1 == n2
}

// fsContext is the tracee's working directory and umask, entered by the
// OS thread that makes the call.
type fsContext struct {
	cwd   int
	umask int
}

func newFsContext(tgid, tid int) (*fsContext, error) {
	fd, err := unix.Open(taskPath(tgid, tid, "cwd"), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	fs := &fsContext{cwd: fd, umask: 0o022}
	if b, err := os.ReadFile(taskPath(tgid, tid, "status")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					fs.umask = int(n)
				}
			}
		}
	}
	return fs, nil
}

// enter gives the calling OS thread a filesystem context of its own (it
// must never run another goroutine afterwards) in the tracee's directory
// with its umask.
// Precondition: the OS thread is locked.
func (fs *fsContext) enter() unix.Errno {
	if fs.cwd < 0 {
		return 0 // entered already (a repeated call)
	}
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return errnoOf(err, errnoNotEmulated)
	}
	if err := unix.Fchdir(fs.cwd); err != nil {
		return errnoOf(err, errnoNotEmulated)
	}
	unix.Umask(fs.umask)
	unix.Close(fs.cwd)
	fs.cwd = -1
	return 0
}

func (fs *fsContext) close() {
	if fs.cwd >= 0 {
		unix.Close(fs.cwd)
		fs.cwd = -1
	}
}

// translate rewrites one SCM_RIGHTS or SCM_CREDENTIALS payload of a unix
// or netlink send in place (see passedControl).
func (j *sockJob) translate(typ int32, data []byte) unix.Errno {
	ne := binary.NativeEndian
	switch typ {
	case unix.SCM_RIGHTS:
		for off := 0; off+4 <= len(data); off += 4 {
			fd := int(int32(ne.Uint32(data[off:])))
			c, err := j.t.takeFd(j.tgid, j.tid, fd)
			if err != nil {
				return errnoOf(err, unix.EBADF)
			}
			j.passed = append(j.passed, c)
			ne.PutUint32(data[off:], uint32(c))
		}
	case unix.SCM_CREDENTIALS:
		if len(data) >= 4 && int(int32(ne.Uint32(data))) == j.tgid {
			ne.PutUint32(data, uint32(unix.Getpid()))
		}
	}
	return 0
}
