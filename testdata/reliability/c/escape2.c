/* escape2.c: more ways a tracee can try to get past its tracer or policy.
 * Built by the tests (test/reliability) with gcc. Each mode prints one line
 * per attempt with what happened.
 *
 *   escape2 notif DIR        installs its own filter returning
 *                            SECCOMP_RET_USER_NOTIF for mkdir (it outranks
 *                            SECCOMP_RET_TRACE), lets a thread answer
 *                            CONTINUE, and calls mkdir(DIR/notif)
 *   escape2 allow DIR        installs a filter returning ALLOW for everything,
 *                            then mkdir(DIR/allow)
 *   escape2 spoof DIR        installs a filter returning TRACE with data 4242
 *                            for mkdir and getpid, then mkdir(DIR/spoof) and
 *                            getpid()
 *   escape2 dumpable DIR     prctl(PR_SET_DUMPABLE, 0), then mkdir(DIR/dump)
 *   escape2 nnp              prints the NoNewPrivs line of /proc/self/status
 *                            and the real and effective uid
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char path[4096];

static void try_mkdir(const char *who)
{
	if (mkdir(path, 0700) == 0)
		printf("%s: mkdir ok\n", who);
	else
		printf("%s: mkdir: %s\n", who, strerror(errno));
	fflush(stdout);
}

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog prog = {n, f};
	/* The tracer already set NO_NEW_PRIVS; set it again in case it did not. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))

static void *answer(void *arg)
{
	int fd = *(int *)arg;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof req);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
		printf("notif: recv: %s\n", strerror(errno));
		fflush(stdout);
		return NULL;
	}
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
		printf("notif: send: %s\n", strerror(errno));
		fflush(stdout);
	}
	return NULL;
}

static int notif(void)
{
	struct sock_filter f[] = {
		LOAD_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	long fd = install(f, 4, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0) {
		printf("notif: listener refused: %s\n", strerror(errno));
		fflush(stdout);
		try_mkdir("notif");
		return 0;
	}
	int ifd = (int)fd;
	pthread_t th;
	pthread_create(&th, NULL, answer, &ifd);
	try_mkdir("notif");
	pthread_join(th, NULL);
	return 0;
}

static int allow_all(void)
{
	struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	if (install(f, 1, 0) != 0)
		printf("allow: seccomp: %s\n", strerror(errno));
	try_mkdir("allow");
	return 0;
}

static int spoof(void)
{
	struct sock_filter f[] = {
		LOAD_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getpid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 4242),
	};
	if (install(f, 5, 0) != 0)
		printf("spoof: seccomp: %s\n", strerror(errno));
	try_mkdir("spoof");
	printf("spoof: getpid %s\n", syscall(SYS_getpid) == getpid() ? "ok" : "wrong");
	return 0;
}

static int dumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		printf("dumpable: prctl: %s\n", strerror(errno));
	try_mkdir("dumpable");
	return 0;
}

static int nnp(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	printf("uid %d euid %d\n", getuid(), geteuid());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "nnp"))
		return nnp();
	if (argc != 3)
		return 2;
	const char *m = argv[1];
	snprintf(path, sizeof path, "%s/%s", argv[2], m);
	if (!strcmp(m, "notif"))
		return notif();
	if (!strcmp(m, "allow"))
		return allow_all();
	if (!strcmp(m, "spoof"))
		return spoof();
	if (!strcmp(m, "dumpable"))
		return dumpable();
	return 2;
}
