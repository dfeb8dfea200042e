/* load.c: workloads for test/reliability. Built by the tests with gcc.
 * Every traced call is getppid(2) made with syscall(2), so glibc caches
 * nothing; each workload reports how many it made, so the tests compare the
 * tracer's counts with the workload's own.
 *
 *   load threads T N       T threads, N getppid each, started together;
 *                          prints "start PID", then "thread TID N" per
 *                          thread
 *   load storm F1 F2 ... [-s SECS] [-g]
 *                          a fork tree: the root has F1 children, each F2,
 *                          ...; every process makes one getppid and prints
 *                          "proc PID"; with -s the leaves then sleep SECS;
 *                          with -g the root first makes its own process
 *                          group
 *   load execthread        a non-leader thread execs "load after PID": the
 *                          leader, the thread and the new image each make one
 *                          getppid ("before", "thread", "after" lines)
 *   load execthread-busy   the same while the leader makes getppid calls
 *                          in a loop
 *   load vfork             vfork + exec of "load child 3", then posix_spawn
 *                          of the same; the parent makes one getppid before
 *                          and one after each
 *   load execself N        one getppid, then exec itself with N-1, until 0
 *   load sigstop           block every signal, one getppid, SIGSTOP itself,
 *                          then (continued from outside) one more getppid
 *   load chld N M          SIGCHLD storm: N children, each one getppid, exit
 *                          at once while the parent, catching SIGCHLD,
 *                          makes M getppid
 *   load spin K            K children and the root loop forever: getppid,
 *                          sleep 5 ms; each prints "proc PID" when started
 *   load loop N US         N getppid, US microseconds apart; "done N"
 *   load loopign N         ignores SIGINT and SIGQUIT (as an interactive
 *                          shell does), prints "ready PID", then N getppid
 *   load child CODE        one getppid, exit CODE
 *   load after PID         (exec'd by execthread) one getppid, print
 *                          "after PID-NOW PID-BEFORE"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *self;

static void die(const char *what)
{
	fprintf(stderr, "load: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long traced(void) { return syscall(SYS_getppid); }

/* say writes one line with one write(2), so lines from many processes
 * sharing a pipe never interleave. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	while (write(1, buf, n) < 0 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- threads */

static pthread_barrier_t barrier;
static long per_thread;

struct tinfo {
	pthread_t th;
	pid_t tid;
	long made;
};

static void *thread_main(void *arg)
{
	struct tinfo *ti = arg;
	ti->tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&barrier);
	for (long i = 0; i < per_thread; i++) {
		traced();
		ti->made++;
	}
	return NULL;
}

static int do_threads(int t, long n)
{
	struct tinfo *ti = calloc(t, sizeof *ti);
	per_thread = n;
	say("start %d\n", getpid());
	pthread_barrier_init(&barrier, NULL, t);
	for (int i = 0; i < t; i++)
		if ((errno = pthread_create(&ti[i].th, NULL, thread_main, &ti[i])) != 0)
			die("pthread_create");
	for (int i = 0; i < t; i++)
		pthread_join(ti[i].th, NULL);
	for (int i = 0; i < t; i++)
		say("thread %d %ld\n", ti[i].tid, ti[i].made);
	return 0;
}

/* ------------------------------------------------------------------ storm */

static int storm(int *fan, int levels, int sleep_secs)
{
	traced();
	say("proc %d\n", getpid());
	if (levels == 0) {
		if (sleep_secs > 0)
			sleep(sleep_secs);
		return 0;
	}
	int failed = 0, started = 0;
	for (int i = 0; i < fan[0]; i++) {
		pid_t p = fork();
		if (p < 0) {
			say("fork failed: %s\n", strerror(errno));
			failed = 1;
			break;
		}
		if (p == 0)
			_exit(storm(fan + 1, levels - 1, sleep_secs));
		started++;
	}
	for (int i = 0; i < started; i++) {
		int st;
		pid_t w;
		while ((w = wait(&st)) < 0 && errno == EINTR)
			;
		if (w < 0)
			die("wait");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	return failed;
}

/* ------------------------------------------------------------- execthread */

static void *exec_thread(void *arg)
{
	(void)arg;
	traced();
	say("thread %ld\n", syscall(SYS_gettid));
	char pid[32];
	snprintf(pid, sizeof pid, "%d", getpid());
	char *argv[] = {(char *)self, "after", pid, NULL};
	execve("/proc/self/exe", argv, environ);
	die("execve from thread");
	return NULL;
}

static int do_execthread(int busy)
{
	traced();
	say("before %d\n", getpid());
	pthread_t th;
	if ((errno = pthread_create(&th, NULL, exec_thread, NULL)) != 0)
		die("pthread_create");
	if (busy)
		for (;;)
			traced(); /* often at a seccomp stop when the exec happens */
	pthread_join(th, NULL); /* never returns: the thread's exec ends us */
	say("execthread: join returned\n");
	return 1;
}

/* ------------------------------------------------------------------ vfork */

static int reap(pid_t p)
{
	int st;
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int do_vfork(void)
{
	char *argv[] = {(char *)self, "child", "3", NULL};
	traced();
	pid_t p = vfork();
	if (p < 0)
		die("vfork");
	if (p == 0) {
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	traced();
	say("vfork %d %d\n", p, reap(p));
	traced();
	if ((errno = posix_spawn(&p, "/proc/self/exe", NULL, NULL, argv, environ)) != 0)
		die("posix_spawn");
	traced();
	say("spawn %d %d\n", p, reap(p));
	return 0;
}

/* ---------------------------------------------------------------- sigstop */

static int do_sigstop(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	traced();
	say("stopping %d\n", getpid());
	raise(SIGSTOP);
	traced();
	sigset_t pend;
	sigpending(&pend);
	say("resumed %d cont-pending=%d\n", getpid(), sigismember(&pend, SIGCONT));
	return 0;
}

/* ------------------------------------------------------------------- chld */

static volatile sig_atomic_t chld_seen;

static void on_chld(int sig)
{
	(void)sig;
	chld_seen++;
}

static int do_chld(int n, long m)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld; /* no SA_RESTART: calls see EINTR */
	sigaction(SIGCHLD, &sa, NULL);
	long made = 0;
	int forked = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0) {
			traced();
			_exit(0);
		}
		forked++;
		for (long j = 0; j < m / n; j++, made++)
			traced();
	}
	while (made < m) {
		traced();
		made++;
	}
	int reaped = 0, bad = 0;
	for (;;) {
		int st;
		pid_t w = wait(&st);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		reaped++;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	say("chld forked %d reaped %d bad %d parent-calls %ld sigchld %d\n", forked, reaped, bad, made, (int)chld_seen);
	return bad != 0;
}

/* ------------------------------------------------------------------- spin */

static void spin(void)
{
	say("proc %d\n", getpid());
	struct timespec ts = {0, 5 * 1000 * 1000};
	for (;;) {
		traced();
		nanosleep(&ts, NULL);
	}
}

static int do_spin(int k)
{
	for (int i = 0; i < k; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0)
			spin();
	}
	spin();
	return 0;
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc < 2)
		goto usage;
	const char *m = argv[1];
	if (!strcmp(m, "threads") && argc == 4)
		return do_threads(atoi(argv[2]), atol(argv[3]));
	if (!strcmp(m, "storm") && argc >= 3) {
		int fan[16], levels = 0, secs = 0;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-s") && i + 1 < argc)
				secs = atoi(argv[++i]);
			else if (!strcmp(argv[i], "-g"))
				setpgid(0, 0);
			else if (levels < 16)
				fan[levels++] = atoi(argv[i]);
		}
		return storm(fan, levels, secs);
	}
	if (!strcmp(m, "execthread"))
		return do_execthread(0);
	if (!strcmp(m, "execthread-busy"))
		return do_execthread(1);
	if (!strcmp(m, "after") && argc == 3) {
		traced();
		say("after %d %s\n", getpid(), argv[2]);
		return 0;
	}
	if (!strcmp(m, "vfork"))
		return do_vfork();
	if (!strcmp(m, "child") && argc == 3) {
		traced();
		return atoi(argv[2]);
	}
	if (!strcmp(m, "execself") && argc == 3) {
		int n = atoi(argv[2]);
		traced();
		say("gen %d %d\n", n, getpid());
		if (n <= 0)
			return 0;
		char next[32];
		snprintf(next, sizeof next, "%d", n - 1);
		char *av[] = {(char *)self, "execself", next, NULL};
		execve("/proc/self/exe", av, environ);
		die("execve self");
	}
	if (!strcmp(m, "sigstop"))
		return do_sigstop();
	if (!strcmp(m, "chld") && argc == 4)
		return do_chld(atoi(argv[2]), atol(argv[3]));
	if (!strcmp(m, "spin") && argc == 3)
		return do_spin(atoi(argv[2]));
	if (!strcmp(m, "loopign") && argc == 3) {
		long n = atol(argv[2]);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		say("ready %d\n", getpid());
		for (long i = 0; i < n; i++)
			traced();
		say("done %ld\n", n);
		return 0;
	}
	if (!strcmp(m, "loop") && argc == 4) {
		long n = atol(argv[2]);
		int us = atoi(argv[3]);
		for (long i = 0; i < n; i++) {
			traced();
			if (us > 0)
				usleep(us);
		}
		say("done %ld\n", n);
		return 0;
	}
usage:
	fprintf(stderr, "usage: load threads|storm|execthread|vfork|execself|sigstop|chld|spin|loop ...\n");
	return 2;
}
