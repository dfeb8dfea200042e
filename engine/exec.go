package engine

/*
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

// arm_and_exec installs the filters and calls execve in one C step on the
// calling thread: between seccomp() and execve no Go code runs, so the Go
// runtime never makes a syscall the filter might kill. Without TSYNC the
// filter lands on this thread only; execve then discards the other threads.
// Returns -errno; on success it does not return.
static int arm_and_exec(const char *path, char *const argv[], char *const envp[],
                        struct sock_fprog *progs, int nprogs,
                        const int *rulesets, int nrulesets) {
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
	for (int i = 0; i < nprogs; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) != 0)
			return -errno;
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
// reported.
type ExecError struct {
	Path  string
	Errno syscall.Errno
}

func (e *ExecError) Error() string { return fmt.Sprintf("exec: %s: %s", e.Path, e.Errno.Error()) }
func (e *ExecError) Unwrap() error { return e.Errno }

// Exec replaces this process with path, after entering each Landlock
// ruleset (descriptors from landlock.Ruleset.Create, in order: one domain
// layer each) and installing each BPF program (raw struct sock_filter
// arrays, as filter.Spec.BPF returns) in order.
// Precondition: the runtime OS thread must be locked, and in a helper it must
// be the main thread (the one the tracer seized).
func Exec(path string, argv, env []string, programs [][]byte, rulesets ...int) error {
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
	rc := C.arm_and_exec(cpath, &cargv[0], &cenv[0], progs, C.int(len(programs)), lls, C.int(len(rulesets)))
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
