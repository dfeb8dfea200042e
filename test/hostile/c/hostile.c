/* hostile.c MODE ARGS...: a traced program that attacks the policy it runs
 * under. Built by test/hostile with gcc. Every attempt prints one line:
 *   "refused WHAT: REASON"  the attempt failed (what the test wants)
 *   "ESCAPED WHAT"          it worked (the test fails on it)
 *   "ok WHAT"               an allowed action worked (the test wants it)
 * and the program ends with "done". Modes:
 *
 *   tracer DIR        the tracer (our parent): open /proc/PPID/mem for
 *                     writing, process_vm_writev, PTRACE_SEIZE/ATTACH,
 *                     pidfd_getfd; then mkdir(DIR/after), which the policy
 *                     must still refuse
 *   untraced DIR      clone(CLONE_UNTRACED) and clone3(CLONE_UNTRACED) a
 *                     child, seize it ourselves (its tracer), let its
 *                     traced mkdir(DIR/untraced) run
 *   forged DIR        install our own filter returning SECCOMP_RET_TRACE
 *                     with user data 4242 for mkdir, then mkdir(DIR/forged)
 *   uring FILE        io_uring_setup; if it works, IORING_OP_OPENAT FILE for
 *                     writing with O_TRUNC, then write "pwned" through it
 *   fs ALLOWED PROT   readonly-fs attacks on PROT (a file in a directory
 *                     outside the allowed set) from the allowed directory
 *                     ALLOWED: symlink, magic link, hard link, rename (both
 *                     ways, and exchange), truncate, unlink, chmod, chown,
 *                     open_by_handle_at, bind mount (in a private mount
 *                     namespace), relative paths inside and outside
 *   truncate FILE     truncate(2) FILE to 0 bytes
 *   race ALLOWED PROT N  a thread flips a path buffer between ALLOWED/f and
 *                     PROT while the main thread opens it for writing N
 *                     times (O_WRONLY|O_TRUNC) and writes "pwned"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(int ok, const char *what)
{
	if (ok)
		printf("ESCAPED %s\n", what);
	else
		printf("refused %s: %s\n", what, strerror(errno));
	fflush(stdout);
}

static void allowed(int ok, const char *what)
{
	if (ok)
		printf("ok %s\n", what);
	else
		printf("FAILED %s: %s\n", what, strerror(errno));
	fflush(stdout);
}

static char *join(const char *a, const char *b)
{
	char *s;
	if (asprintf(&s, "%s/%s", a, b) < 0)
		exit(2);
	return s;
}

/* ---- the tracer ---- */

static void attack_tracer(const char *dir)
{
	pid_t tracer = getppid();
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", tracer);
	int fd = open(path, O_RDWR);
	report(fd >= 0, "open /proc/TRACER/mem");
	if (fd >= 0) {
		char b = 0;
		report(pwrite(fd, &b, 1, 0x400000) == 1, "write /proc/TRACER/mem");
		close(fd);
	}
	char byte = 0;
	struct iovec local = {&byte, 1}, remote = {(void *)0x400000, 1};
	report(syscall(SYS_process_vm_writev, tracer, &local, 1, &remote, 1, 0) == 1, "process_vm_writev TRACER");
	report(ptrace(PTRACE_SEIZE, tracer, 0, 0) == 0, "PTRACE_SEIZE TRACER");
	report(ptrace(PTRACE_ATTACH, tracer, 0, 0) == 0, "PTRACE_ATTACH TRACER");
	int pidfd = syscall(SYS_pidfd_open, tracer, 0);
	if (pidfd >= 0) {
		int got = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
		report(got >= 0, "pidfd_getfd TRACER 0");
		close(pidfd);
	}
	char *after = join(dir, "after");
	report(mkdir(after, 0700) == 0, "mkdir after the attack");
}

/* ---- untraced children ---- */

static int child_mkdir(void *arg)
{
	usleep(200000); /* let the parent seize us */
	_exit(mkdir((char *)arg, 0700) == 0 ? 0 : 3);
}

/* be the tracer of pid: let every stop continue */
static void shepherd(pid_t pid, const char *what)
{
	int seized = ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP) == 0;
	if (!seized)
		printf("refused seizing the %s child: %s\n", what, strerror(errno));
	int st;
	while (waitpid(pid, &st, __WALL) == pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	char line[128];
	snprintf(line, sizeof line, "mkdir in the %s child", what);
	errno = EPERM;
	report(WIFEXITED(st) && WEXITSTATUS(st) == 0, line);
}

static void attack_untraced(const char *dir)
{
	char *path = join(dir, "untraced");
	static char stack[65536];
	pid_t p = clone(child_mkdir, stack + sizeof stack, CLONE_UNTRACED | SIGCHLD, path);
	report(p > 0, "clone(CLONE_UNTRACED)");
	if (p > 0)
		shepherd(p, "CLONE_UNTRACED");
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CLONE_UNTRACED;
	ca.exit_signal = SIGCHLD;
	char *path3 = join(dir, "untraced3");
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0)
		child_mkdir(path3);
	report(r > 0, "clone3(CLONE_UNTRACED)");
	if (r > 0)
		shepherd((pid_t)r, "clone3");
	/* a plain fork is traced by the tracer: we cannot become its tracer */
	pid_t f = fork();
	if (f == 0)
		child_mkdir(join(dir, "forked"));
	if (f > 0)
		shepherd(f, "forked");
}

/* ---- a forged user data value ---- */

static void attack_forged(const char *dir)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 4242),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 4243),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	allowed(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0, "own filter installed");
	getpid();
	report(mkdir(join(dir, "forged"), 0700) == 0, "mkdir with forged user data");
}

/* ---- io_uring ---- */

static void attack_uring(const char *file)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int ring = syscall(SYS_io_uring_setup, 4, &p);
	/* not an escape by itself: under a Landlock-only policy the kernel
	 * checks what the ring does */
	printf("io_uring_setup: %s\n", ring >= 0 ? "works" : strerror(errno));
	if (ring < 0)
		return;
	size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	char *cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		printf("FAILED mmap ring: %s\n", strerror(errno));
		return;
	}
	unsigned *tail = (unsigned *)(sq + p.sq_off.tail), *array = (unsigned *)(sq + p.sq_off.array);
	unsigned *chead = (unsigned *)(cq + p.cq_off.head);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	/* one operation at a time: submit sqe 0 and wait for its completion */
	int res;
#define SUBMIT()                                                                              \
	do {                                                                                  \
		array[*tail & (p.sq_entries - 1)] = 0;                                        \
		__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);                          \
		syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);    \
		res = cqes[*chead & (p.cq_entries - 1)].res;                                  \
		__atomic_store_n(chead, *chead + 1, __ATOMIC_RELEASE);                        \
	} while (0)
	memset(&sqes[0], 0, sizeof sqes[0]);
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (uintptr_t)file;
	sqes[0].open_flags = O_WRONLY | O_TRUNC;
	SUBMIT();
	errno = res < 0 ? -res : 0;
	report(res >= 0, "io_uring openat for writing");
	if (res >= 0) {
		static const char pwned[] = "pwned\n";
		memset(&sqes[0], 0, sizeof sqes[0]);
		sqes[0].opcode = IORING_OP_WRITE;
		sqes[0].fd = res;
		sqes[0].addr = (uintptr_t)pwned;
		sqes[0].len = sizeof pwned - 1;
		SUBMIT();
		errno = res < 0 ? -res : 0;
		report(res > 0, "io_uring write");
	}
}

/* ---- readonly-fs ---- */

static int open_write(const char *path) { return open(path, O_WRONLY | O_TRUNC); }

static void writes(int fd, const char *what)
{
	report(fd >= 0, what);
	if (fd >= 0) {
		if (write(fd, "pwned\n", 6) < 0) {
		}
		close(fd);
	}
}

static void attack_fs(const char *ok, const char *prot)
{
	char *protdir = strdup(prot);
	*strrchr(protdir, '/') = 0;
	char buf[4096];

	/* relative paths inside the allowed set work */
	allowed(chdir(ok) == 0, "chdir into the allowed directory");
	int fd = open("rel", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	allowed(fd >= 0 && write(fd, "x", 1) == 1, "relative create inside");
	if (fd >= 0)
		close(fd);
	allowed(mkdir("sub", 0755) == 0, "relative mkdir inside");
	allowed(rename("rel", "sub/rel2") == 0, "rename inside");
	allowed(unlink("sub/rel2") == 0 && rmdir("sub") == 0, "unlink and rmdir inside");

	/* relative paths outside */
	snprintf(buf, sizeof buf, "%s", prot);
	writes(open_write(prot), "open the protected file for writing");
	if (getcwd(buf, sizeof buf)) {
		/* ../../…/prot, relative from the allowed directory */
		char rel[4096] = "";
		for (const char *c = buf; *c; c++)
			if (*c == '/')
				strcat(rel, "../");
		strcat(rel, prot + 1);
		writes(open_write(rel), "relative path outside");
	}
	writes(open(join(protdir, "new"), O_WRONLY | O_CREAT, 0644), "create beside the protected file");

	/* symlink in the allowed directory pointing at the protected file */
	allowed(symlink(prot, "link") == 0, "symlink inside");
	writes(open_write("link"), "open through a symlink");
	/* magic link */
	int ro = open(prot, O_RDONLY);
	allowed(ro >= 0, "open the protected file for reading");
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", ro);
	writes(open_write(buf), "open /proc/self/fd/N for writing");
	int opath = open(prot, O_PATH);
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", opath);
	writes(open_write(buf), "reopen an O_PATH fd for writing");
	report(ftruncate(ro, 0) == 0, "ftruncate a read-only fd");

	/* hard link, renames, exchange */
	report(link(prot, "hard") == 0, "hard link into the allowed directory");
	if (access("hard", F_OK) == 0)
		writes(open_write("hard"), "write through the hard link");
	report(rename(prot, "moved") == 0, "rename the protected file out");
	int f = open("decoy", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f >= 0) {
		if (write(f, "pwned\n", 6) < 0) {
		}
		close(f);
	}
	report(rename("decoy", prot) == 0, "rename over the protected file");
	report(syscall(SYS_renameat2, AT_FDCWD, "decoy", AT_FDCWD, prot, RENAME_EXCHANGE) == 0, "renameat2 RENAME_EXCHANGE");
	report(truncate(prot, 0) == 0, "truncate the protected file");
	report(unlink(prot) == 0, "unlink the protected file");
	report(chmod(prot, 0777) == 0, "chmod the protected file");
	report(fchmod(ro, 0777) == 0, "fchmod a read-only fd");
	report(chown(prot, 12345, 12345) == 0, "chown the protected file");
	report(mknod("dev", S_IFCHR | 0666, makedev(1, 3)) == 0, "mknod a device inside");

	/* open_by_handle_at */
	struct file_handle *h = malloc(sizeof *h + 128);
	h->handle_bytes = 128;
	int mid;
	if (name_to_handle_at(AT_FDCWD, prot, h, &mid, 0) == 0) {
		int mfd = open(protdir, O_RDONLY | O_DIRECTORY);
		writes(syscall(SYS_open_by_handle_at, mfd, h, O_WRONLY | O_TRUNC), "open_by_handle_at for writing");
	} else {
		printf("refused name_to_handle_at: %s\n", strerror(errno));
	}

	/* a bind mount of the protected directory into the allowed one, in a
	 * private mount namespace (with a user namespace when unprivileged) */
	pid_t p = fork();
	if (p == 0) {
		if (unshare(CLONE_NEWNS) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
			printf("refused unshare: %s\n", strerror(errno));
			_exit(0);
		}
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		mkdir("mnt", 0755);
		int m = mount(protdir, "mnt", NULL, MS_BIND, NULL);
		report(m == 0, "bind mount the protected directory inside");
		if (m == 0)
			writes(open_write(join("mnt", strrchr(prot, '/') + 1)), "write through the bind mount");
		_exit(0);
	}
	waitpid(p, NULL, 0);
}

static volatile int stop_flip;
static char flip_buf[4096];
static char flip_a[4096], flip_b[4096];

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop_flip) {
		strcpy(flip_buf, flip_a);
		strcpy(flip_buf, flip_b);
	}
	return NULL;
}

static void attack_race(const char *ok, const char *prot, int n)
{
	snprintf(flip_a, sizeof flip_a, "%s/f", ok);
	snprintf(flip_b, sizeof flip_b, "%s", prot);
	strcpy(flip_buf, flip_a);
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	int inside = 0, escaped = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		int fd = open(flip_buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			failed++;
			continue;
		}
		char real[4096], link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t l = readlink(link, real, sizeof real - 1);
		real[l > 0 ? l : 0] = 0;
		if (strcmp(real, prot) == 0) {
			escaped++;
			if (write(fd, "pwned\n", 6) < 0) {
			}
		} else {
			inside++;
		}
		close(fd);
	}
	stop_flip = 1;
	pthread_join(t, NULL);
	printf("race attempts %d inside %d refused %d\n", n, inside, failed);
	errno = EACCES;
	report(escaped > 0, "racing open of the protected file");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: hostile MODE ARGS...\n");
		return 2;
	}
	const char *m = argv[1];
	if (!strcmp(m, "tracer"))
		attack_tracer(argv[2]);
	else if (!strcmp(m, "untraced"))
		attack_untraced(argv[2]);
	else if (!strcmp(m, "forged"))
		attack_forged(argv[2]);
	else if (!strcmp(m, "uring"))
		attack_uring(argv[2]);
	else if (!strcmp(m, "fs") && argc >= 4)
		attack_fs(argv[2], argv[3]);
	else if (!strcmp(m, "truncate")) {
		report(truncate(argv[2], 0) == 0, "truncate(2)");
	} else if (!strcmp(m, "race") && argc >= 5)
		attack_race(argv[2], argv[3], atoi(argv[4]));
	else {
		fprintf(stderr, "hostile: unknown mode %s\n", m);
		return 2;
	}
	printf("done\n");
	return 0;
}
