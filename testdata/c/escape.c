/* escape.c: ways a tracee can try to leave ptrace. Built by the tests.
 *   escape untraced DIR   clone(CLONE_UNTRACED) child calls mkdir(DIR/u)
 *   escape clone3 DIR     clone3() child calls mkdir(DIR/c3)
 *   escape clone3-untraced DIR
 *   escape traceme        ptrace(PTRACE_TRACEME) from a tracee
 * Each prints one line per attempt with the result of the call. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[4096];

static void try_mkdir(const char *who) {
	if (mkdir(path, 0700) == 0)
		printf("%s: mkdir ok\n", who);
	else
		printf("%s: mkdir: %s\n", who, strerror(errno));
	fflush(stdout);
}

static int child_fn(void *arg) {
	try_mkdir((const char *)arg);
	return 0;
}

static void wait_child(pid_t pid) {
	int st;
	if (pid < 0) {
		printf("clone: %s\n", strerror(errno));
		return;
	}
	waitpid(pid, &st, __WALL);
}

static void via_clone3(uint64_t flags, const char *who) {
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	fflush(stdout);
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0) {
		try_mkdir(who);
		_exit(0);
	}
	wait_child((pid_t)pid);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "traceme") == 0) {
		long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
		printf("traceme: %s\n", r == 0 ? "ok" : strerror(errno));
		return 0;
	}
	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "untraced") == 0) {
		snprintf(path, sizeof path, "%s/u", argv[2]);
		static char stack[1 << 16];
		fflush(stdout);
		wait_child(clone(child_fn, stack + sizeof stack, CLONE_UNTRACED | SIGCHLD, "untraced child"));
	} else if (strcmp(argv[1], "clone3") == 0) {
		snprintf(path, sizeof path, "%s/c3", argv[2]);
		via_clone3(0, "clone3 child");
	} else if (strcmp(argv[1], "clone3-untraced") == 0) {
		snprintf(path, sizeof path, "%s/c3u", argv[2]);
		via_clone3(CLONE_UNTRACED, "clone3 untraced child");
	} else {
		return 2;
	}
	snprintf(path, sizeof path, "%s/parent", argv[2]);
	try_mkdir("parent");
	return 0;
}
