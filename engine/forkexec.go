package engine

/*
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "rawsys.h"

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
static unsigned long fe_start_mask(void) { return fe_mask0; }

// The kernel's struct sigaction on x86_64 and arm64.
struct fe_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

struct fe_child {
	const char *path;
	char *const *argv, *const *envp;
	struct sock_fprog *progs;
	int nprogs, release_fd, err_fd;
};

// fe_child_main is the child's life between clone and execve. It shares
// the parent's memory (CLONE_VM, like vfork without the suspension: the
// parent must go on to seize it) and runs on its own stack, so it touches
// nothing but its stack and the struct the parent prepared, and makes only
// raw system calls (rawsys.h: no errno, no libc). It resets every handled
// signal to its default (the handlers are the Go runtime's), takes the
// signal mask this process started with, waits for one byte on release_fd
// (the tracer seizes it meanwhile), installs the filters and execs. If the
// exec (or a filter) fails it writes the errno to err_fd and exits 127.
static int fe_child_main(void *arg) {
	struct fe_child *c = arg;
	for (long s = 1; s <= 64; s++) {
		struct fe_ksigaction k;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (rawsys6(SYS_rt_sigaction, s, 0, (long)&k, sizeof(unsigned long), 0, 0) != 0)
			continue;
		if (k.handler != SIG_DFL && k.handler != SIG_IGN) {
			struct fe_ksigaction d = { SIG_DFL, 0, 0, 0 };
			rawsys6(SYS_rt_sigaction, s, (long)&d, 0, sizeof(unsigned long), 0, 0);
		}
	}
	rawsys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&fe_mask0, 0, sizeof fe_mask0, 0, 0);
	char b;
	long n;
	do
		n = rawsys6(SYS_read, c->release_fd, (long)&b, 1, 0, 0, 0);
	while (n == -EINTR);
	if (n != 1)
		rawsys6(SYS_exit_group, 1, 0, 0, 0, 0, 0); // the parent is gone
	rawsys6(SYS_close, c->release_fd, 0, 0, 0, 0, 0);
	if (fe_nofile_saved) {
		struct rlimit now;
		if (rawsys6(SYS_getrlimit, RLIMIT_NOFILE, (long)&now, 0, 0, 0, 0) == 0 && now.rlim_cur != fe_nofile.rlim_cur) {
			now.rlim_cur = fe_nofile.rlim_cur;
			rawsys6(SYS_setrlimit, RLIMIT_NOFILE, (long)&now, 0, 0, 0, 0);
		}
	}
	long e = 0;
	if (c->nprogs > 0)
		e = rawsys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
	for (int i = 0; e == 0 && i < c->nprogs; i++)
		e = rawsys6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&c->progs[i], 0, 0, 0);
	if (e == 0)
		e = rawsys6(SYS_execve, (long)c->path, (long)c->argv, (long)c->envp, 0, 0, 0);
	int errnum = (int)-e;
	rawsys6(SYS_write, c->err_fd, (long)&errnum, sizeof errnum, 0, 0, 0);
	rawsys6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
	return 0;
}

// fe_stack_size: the child's stack, for fe_child_main's frame and the
// kernel's signal frames (none are delivered: see the mask below).
enum { fe_stack_size = 64 << 10 };

// fork_filtered starts fe_child_main in a child with CLONE_VM on stack
// (fe_stack_size bytes), with every signal blocked in this thread across
// the clone so none reaches a Go handler in the child. Returns the child's
// pid or -errno.
static int fork_filtered(struct fe_child *c, void *stack) {
	unsigned long all = ~0UL, old = 0;
	rawsys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, sizeof all, 0, 0);
	int pid = clone(fe_child_main, (char *)stack + fe_stack_size, CLONE_VM | SIGCHLD, c);
	int e = pid < 0 ? errno : 0;
	rawsys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, sizeof old, 0, 0);
	return pid < 0 ? -e : pid;
}
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"
)

// SpawnExec starts a child that execs path with argv and env under the BPF
// programs (raw struct sock_filter arrays, installed in order), once
// released: Trace seizes it, then releases it, and its first stop is the
// execve. Unlike Spawn it does not re-execute this binary: the child is a
// clone sharing this process's memory (as vfork does, but this thread goes
// on) that runs a few raw system calls of C code until its execve, so no
// second Go runtime starts and no page table is copied. It inherits every descriptor without
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

	// Everything the child reads stays allocated until it has exec'd or
	// ended (freeSpawn): it shares this memory.
	var mem []unsafe.Pointer
	keep := func(p unsafe.Pointer) unsafe.Pointer { mem = append(mem, p); return p }
	cstrs := func(ss []string) **C.char {
		a := (*[1 << 20]*C.char)(keep(C.calloc(C.size_t(len(ss)+1), C.size_t(unsafe.Sizeof(uintptr(0))))))[: len(ss)+1 : len(ss)+1]
		for i, s := range ss {
			a[i] = (*C.char)(keep(unsafe.Pointer(C.CString(s))))
		}
		return &a[0]
	}
	cs := (*C.struct_fe_child)(keep(C.calloc(1, C.sizeof_struct_fe_child)))
	cs.path = (*C.char)(keep(unsafe.Pointer(C.CString(path))))
	cs.argv = cstrs(argv)
	cs.envp = cstrs(env)
	if n := len(programs); n > 0 {
		cs.progs = (*C.struct_sock_fprog)(keep(C.malloc(C.size_t(n) * C.sizeof_struct_sock_fprog)))
		ps := unsafe.Slice(cs.progs, n)
		for i, p := range programs {
			ps[i].len = C.ushort(len(p) / 8)
			ps[i].filter = (*C.struct_sock_filter)(keep(C.CBytes(p)))
		}
	}
	cs.nprogs, cs.release_fd, cs.err_fd = C.int(len(programs)), C.int(rr.Fd()), C.int(ew.Fd())
	stack := keep(C.malloc(C.fe_stack_size))
	free := func() {
		for _, p := range mem {
			C.free(p)
		}
	}
	syscall.ForkLock.Lock()
	pid := C.fork_filtered(cs, stack)
	syscall.ForkLock.Unlock()
	if pid < 0 {
		free()
		rw.Close()
		er.Close()
		return nil, fmt.Errorf("starting child: %w", syscall.Errno(-pid))
	}
	c := &Child{Pid: int(pid), release: rw, execErr: er, spawnMem: free}
	s.children[c.Pid] = c
	return c, nil
}

// StartSignalMask is the signal mask this process started with (bit n-1
// for signal n), which SpawnExec's commands get, as strace's do.
func StartSignalMask() uint64 { return uint64(C.fe_start_mask()) }

// freeSpawn frees what a SpawnExec child read; only once it has exec'd or
// ended.
func (c *Child) freeSpawn() {
	if c.spawnMem != nil {
		c.spawnMem()
		c.spawnMem = nil
	}
}

// ExecErrno is, for a SpawnExec child, the errno of its failed exec (or of
// installing a filter); 0 when it exec'd. It waits until the child has
// exec'd or ended (call it after Trace), and reads once.
func (c *Child) ExecErrno() syscall.Errno {
	if c.execErr == nil {
		return 0
	}
	defer func() { c.execErr.Close(); c.execErr = nil }()
	var b [4]byte
	n, _ := io.ReadFull(c.execErr, b[:])
	c.freeSpawn() // the child no longer runs our code
	if n != len(b) {
		return 0
	}
	return syscall.Errno(binary.NativeEndian.Uint32(b[:]))
}
