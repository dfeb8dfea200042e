package engine

/*
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

// The Go runtime raises the soft RLIMIT_NOFILE at start-up and gives
// children it starts the original back; execve from C must do the same, or
// every traced program inherits the raised limit. A constructor runs before
// the Go runtime, so it sees the original.
static struct rlimit nofile_at_start;
static int nofile_saved;
__attribute__((constructor)) static void save_nofile(void) {
	nofile_saved = getrlimit(RLIMIT_NOFILE, &nofile_at_start) == 0;
}

// enter_landlock enters each Landlock ruleset (a new layer of the domain
// each) on this thread. Before the seccomp filters: they may forbid
// landlock_restrict_self. Returns -errno.
static int enter_landlock(const int *rulesets, int nrulesets) {
	for (int i = 0; i < nrulesets; i++)
		if (syscall(SYS_landlock_restrict_self, rulesets[i], 0) != 0)
			return -errno;
	return 0;
}

// send_fd passes fd over the unix socket sock (SCM_RIGHTS) with one byte
// of data. Returns -errno.
static int send_fd(int sock, int fd) {
	char byte = 'L';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) == 1)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

// arm_and_exec installs the filters and calls execve in one C step on the
// calling thread: between seccomp() and execve no Go code runs, so the Go
// runtime never makes a syscall the filter might kill. Without TSYNC the
// filter lands on this thread only; execve then discards the other threads.
// Program number listener (-1: none) is installed with
// SECCOMP_FILTER_FLAG_NEW_LISTENER and its listener passed over ctl to the
// parent that serves it, then closed here: the program never holds it.
// Returns -errno; on success it does not return.
static int arm_and_exec(const char *path, char *const argv[], char *const envp[],
                        struct sock_fprog *progs, int nprogs,
                        const int *rulesets, int nrulesets, int listener, int ctl) {
	if (nofile_saved) {
		struct rlimit now;
		if (getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur != nofile_at_start.rlim_cur) {
			now.rlim_cur = nofile_at_start.rlim_cur;
			setrlimit(RLIMIT_NOFILE, &now);   // before the filter: it may forbid setrlimit
		}
	}
	if ((nprogs > 0 || nrulesets > 0) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	int rc = enter_landlock(rulesets, nrulesets);
	if (rc != 0)
		return rc;
	for (int i = 0; i < nprogs; i++) {
		if (i == listener) {
			int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &progs[i]);
			if (fd < 0)
				return -errno;
			rc = send_fd(ctl, fd);
			close(fd);
			if (rc != 0)
				return rc;
			continue;
		}
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) != 0)
			return -errno;
	}
	execve(path, argv, envp);
	return -errno;
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// ExecError is a failed exec; Errno is what execve (or installing the filter)
// reported. Err, when set, says more.
type ExecError struct {
	Path  string
	Errno syscall.Errno
	Err   error
}

func (e *ExecError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("exec: %s: %s", e.Path, e.Err.Error())
	}
	return fmt.Sprintf("exec: %s: %s", e.Path, e.Errno.Error())
}

func (e *ExecError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return e.Errno
}

// Exec replaces this process with path, after entering each Landlock
// ruleset (descriptors from landlock.Ruleset.Create, in order: one domain
// layer each) and installing each BPF program (raw struct sock_filter
// arrays, as filter.Spec.BPF returns) in order. The programs may have trace
// rules; none has notify rules (see ExecWith).
// Precondition: the runtime OS thread must be locked, and in a helper it must
// be the main thread (the one the tracer seized).
func Exec(path string, argv, env []string, programs [][]byte, rulesets ...int) error {
	return ExecWith(ExecSpec{Path: path, Argv: argv, Env: env, Programs: programs, Listener: -1, Ctl: -1, Rulesets: rulesets})
}

// ExecSpec is what ExecWith installs and runs.
type ExecSpec struct {
	Path      string
	Argv, Env []string
	Programs  [][]byte // BPF programs, installed in order
	Rulesets  []int    // Landlock ruleset descriptors, entered in order
	// Listener is the index of the program with notify rules, installed
	// with SECCOMP_FILTER_FLAG_NEW_LISTENER; -1 for none. At most one:
	// the kernel allows one listener per filter chain.
	Listener int
	// Ctl is a unix socket the listener is passed over (SCM_RIGHTS, one
	// byte 'L') right after its filter is installed, before execve; the
	// program never holds the listener. Needed when Listener >= 0.
	Ctl int
}

// ExecWith is Exec with a notification listener: program e.Listener is
// installed with SECCOMP_FILTER_FLAG_NEW_LISTENER in the same C step as the
// other filters and execve, and its listener goes over e.Ctl to whoever
// serves it (engine/notify).
// Precondition: as Exec.
func ExecWith(e ExecSpec) error {
	path, argv, env, programs, rulesets := e.Path, e.Argv, e.Env, e.Programs, e.Rulesets
	listener, ctl := e.Listener, e.Ctl
	if listener >= len(programs) {
		return fmt.Errorf("exec: listener program %d of %d programs", listener, len(programs))
	}
	if listener >= 0 && ctl < 0 {
		return fmt.Errorf("exec: a listener program needs a control socket to pass its listener over")
	}
	for i, p := range programs {
		if len(p) == 0 || len(p)%8 != 0 || len(p)/8 > 0xffff {
			return fmt.Errorf("exec: filter program %d has a bad length %d", i, len(p))
		}
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cargv := cStrings(argv)
	defer freeStrings(cargv)
	cenv := cStrings(env)
	defer freeStrings(cenv)

	var progs *C.struct_sock_fprog
	if n := len(programs); n > 0 {
		progs = (*C.struct_sock_fprog)(C.malloc(C.size_t(n) * C.sizeof_struct_sock_fprog))
		defer C.free(unsafe.Pointer(progs))
		ps := unsafe.Slice(progs, n)
		for i, p := range programs {
			buf := C.CBytes(p)
			defer C.free(buf)
			ps[i].len = C.ushort(len(p) / 8)
			ps[i].filter = (*C.struct_sock_filter)(buf)
		}
	}
	// Pending Go output must reach the fd before the image is replaced.
	os.Stdout.Sync()
	var lls *C.int
	if n := len(rulesets); n > 0 {
		lls = (*C.int)(C.malloc(C.size_t(n) * C.sizeof_int))
		defer C.free(unsafe.Pointer(lls))
		for i, fd := range rulesets {
			unsafe.Slice(lls, n)[i] = C.int(fd)
		}
	}
	rc := C.arm_and_exec(cpath, &cargv[0], &cenv[0], progs, C.int(len(programs)), lls, C.int(len(rulesets)), C.int(listener), C.int(ctl))
	runtime.KeepAlive(programs)
	return &ExecError{Path: path, Errno: syscall.Errno(-rc)}
}

func cStrings(ss []string) []*C.char {
	out := make([]*C.char, len(ss)+1)
	for i, s := range ss {
		out[i] = C.CString(s)
	}
	return out
}

func freeStrings(cs []*C.char) {
	for _, c := range cs {
		if c != nil {
			C.free(unsafe.Pointer(c))
		}
	}
}
