package engine

/*
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

// The soft RLIMIT_NOFILE before the Go runtime raised it (see exec.go):
// the command gets it back.
// The signal mask this process started with, which the command gets too
// (the Go runtime's threads run with masks of their own).
static struct rlimit fe_nofile;
static int fe_nofile_saved;
static unsigned long fe_mask0;
__attribute__((constructor)) static void fe_save_start(void) {
	fe_nofile_saved = getrlimit(RLIMIT_NOFILE, &fe_nofile) == 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &fe_mask0, sizeof fe_mask0);
}

// The kernel's struct sigaction on x86_64 and arm64.
struct fe_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

// fork_filtered forks a child that runs nothing but this C code until its
// execve: no Go code, no allocation, only system calls. The child resets
// every handled signal to its default (the handlers are the Go runtime's),
// takes the signal mask this process started with, waits for one byte on
// release_fd (the tracer seizes it meanwhile), installs the filters and
// execs path. If the exec (or a filter) fails, it writes the errno to
// err_fd and exits 127. Signals stay blocked in the parent's thread
// across the fork, so none reaches a Go handler in the child. Returns the
// child's pid or -errno.
static int fork_filtered(const char *path, char *const argv[], char *const envp[],
                         struct sock_fprog *progs, int nprogs, int release_fd, int err_fd) {
	unsigned long all = ~0UL, old = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid != 0) {
		int e = errno;
		syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
		return pid < 0 ? -e : (int)pid;
	}
	for (int s = 1; s <= 64; s++) {
		struct fe_ksigaction k;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, s, NULL, &k, sizeof(unsigned long)) != 0)
			continue;
		if (k.handler != SIG_DFL && k.handler != SIG_IGN) {
			struct fe_ksigaction d = { SIG_DFL, 0, NULL, 0 };
			syscall(SYS_rt_sigaction, s, &d, NULL, sizeof(unsigned long));
		}
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &fe_mask0, NULL, sizeof fe_mask0);
	char b;
	long n;
	do
		n = syscall(SYS_read, release_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		syscall(SYS_exit_group, 1); // the parent is gone
	syscall(SYS_close, release_fd);
	if (fe_nofile_saved) {
		struct rlimit now;
		if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &now) == 0 && now.rlim_cur != fe_nofile.rlim_cur) {
			now.rlim_cur = fe_nofile.rlim_cur;
			syscall(SYS_setrlimit, RLIMIT_NOFILE, &now);
		}
	}
	int e = 0;
	if (nprogs > 0 && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		e = errno;
	for (int i = 0; e == 0 && i < nprogs; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) != 0)
			e = errno;
	if (e == 0) {
		syscall(SYS_execve, path, argv, envp);
		e = errno;
	}
	syscall(SYS_write, err_fd, &e, sizeof e);
	syscall(SYS_exit_group, 127);
	return 0;
}
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// SpawnExec starts a child that execs path with argv and env under the BPF
// programs (raw struct sock_filter arrays, installed in order), once
// released: Trace seizes it, then releases it, and its first stop is the
// execve. Unlike Spawn it does not re-execute this binary: between its fork
// and its execve the child runs only C code (a handful of system calls), so
// no second Go runtime starts. It inherits every descriptor without
// close-on-exec, as a Spawn child does. After the child has ended,
// Child.ExecErrno says whether its exec failed.
// Precondition: called on the Session's thread.
func (s *Session) SpawnExec(path string, argv, env []string, programs [][]byte) (*Child, error) {
	if err := s.checkThread(); err != nil {
		return nil, err
	}
	for i, p := range programs {
		if len(p) == 0 || len(p)%8 != 0 || len(p)/8 > 0xffff {
			return nil, fmt.Errorf("spawn: filter program %d has a bad length %d", i, len(p))
		}
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating release pipe: %w", err)
	}
	defer rr.Close()
	er, ew, err := os.Pipe()
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("creating exec error pipe: %w", err)
	}
	defer ew.Close()

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
	syscall.ForkLock.Lock()
	pid := C.fork_filtered(cpath, &cargv[0], &cenv[0], progs, C.int(len(programs)), C.int(rr.Fd()), C.int(ew.Fd()))
	syscall.ForkLock.Unlock()
	if pid < 0 {
		rw.Close()
		er.Close()
		return nil, fmt.Errorf("starting child: %w", syscall.Errno(-pid))
	}
	c := &Child{Pid: int(pid), release: rw, execErr: er}
	s.children[c.Pid] = c
	return c, nil
}

// ExecErrno is, for a SpawnExec child that has ended, the errno of its
// failed exec (or of installing a filter); 0 when it exec'd. It reads once.
func (c *Child) ExecErrno() syscall.Errno {
	if c.execErr == nil {
		return 0
	}
	defer func() { c.execErr.Close(); c.execErr = nil }()
	var b [4]byte
	if n, _ := c.execErr.Read(b[:]); n != len(b) {
		return 0
	}
	return syscall.Errno(binary.NativeEndian.Uint32(b[:]))
}
