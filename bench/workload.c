/* workload: the benchmark's traced programs, one binary, one mode per run.
 *
 *   workload loop N         N x getppid(2): hot syscalls, untraced unless the
 *                           policy traces getppid
 *   workload mixed N K      N x getppid with K connect(2)s spread evenly
 *                           among them
 *   workload forker P N [J] P children, at most J (default 2) at a time, each
 *                           N x getppid then one connect
 *   workload open N PATH    N x open(PATH, O_RDONLY) + close: path lookups,
 *                           checked by Landlock under readonly-fs
 *   workload hold P         P children alive at once, each calls getppid once
 *                           and blocks on a pipe; prints "ready" when all P
 *                           have called it, then waits for EOF on stdin,
 *                           closes the pipe and reaps them (tracer memory
 *                           with P live tracees)
 *   workload sends N K      like mixed, with K sendto(2)s of one byte to
 *                           127.0.0.1:9 on an unconnected UDP socket
 *   workload tcp K          K TCP connects to a listener of its own (each
 *                           accepted and closed): the emulated connect that
 *                           is held rather than run inline
 *
 * A connect is connect(2) of a UDP socket to 127.0.0.1:9: it sends nothing,
 * so its own cost is small and steady and what a tracer adds stands out
 * (a refused TCP connect costs ~20 us of softirq work and varies by 30%).
 * Exit status 0 when every connect succeeded and every child exited 0, 1
 * otherwise, 2 on misuse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static struct sockaddr_in peer;	/* 127.0.0.1:9 (discard) */
static int udp = -1;

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void open_udp(void)
{
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons(9);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp < 0)
		die("socket");
}

/* One connect(2) of a UDP socket to loopback: no packet is sent, the kernel
 * only records the peer, so the call itself costs about a microsecond and
 * the traced cost is the tracer's. 1 if it failed. */
static int connect_once(void)
{
	return connect(udp, (struct sockaddr *)&peer, sizeof peer) != 0;
}

static void hot(long n)
{
	while (n-- > 0)
		syscall(SYS_getppid);
}

/* One sendto(2) of one byte to 127.0.0.1:9 on the unconnected socket. */
static int send_once(void)
{
	return sendto(udp, "x", 1, 0, (struct sockaddr *)&peer, sizeof peer) != 1;
}

/* k blocks; block c has n/k getppid (the first n%k get one more), then
 * one call of op (connect_once or send_once) */
static int mode_mixed(long n, long k, int (*op)(void), const char *what)
{
	long bad = 0, i, c;

	open_udp();
	for (c = 0; c < k; c++) {
		long len = n / k + (c < n % k);

		for (i = 0; i < len; i++)
			syscall(SYS_getppid);
		bad += op();
	}
	if (k <= 0)
		hot(n);
	if (bad)
		fprintf(stderr, "workload: %ld %s failed\n", bad, what);
	return bad != 0;
}

static int mode_tcp(long k)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	long bad = 0;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		die("listener");
	for (long i = 0; i < k; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0), x;

		if (s < 0)
			die("socket");
		bad += connect(s, (struct sockaddr *)&a, sizeof a) != 0;
		close(s);
		if ((x = accept(l, NULL, NULL)) >= 0)
			close(x);
	}
	close(l);
	if (bad)
		fprintf(stderr, "workload: %ld connects failed\n", bad);
	return bad != 0;
}

static int mode_forker(long p, long n, long j)
{
	long running = 0, failed = 0;
	int st;

	open_udp();
	if (j < 1)
		j = 1;
	for (long made = 0; made < p || running > 0;) {
		if (made < p && running < j) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0) {
				hot(n);
				_exit(connect_once());
			}
			made++, running++;
		} else {
			if (wait(&st) < 0)
				die("wait");
			running--;
			failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		}
	}
	if (failed)
		fprintf(stderr, "workload: %ld children failed\n", failed);
	return failed != 0;
}

static int mode_hold(long p)
{
	int gate[2], ack[2], st, failed = 0;
	char b;

	if (pipe(gate) < 0 || pipe(ack) < 0)
		die("pipe");
	for (long i = 0; i < p; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(gate[1]);
			close(ack[0]);
			syscall(SYS_getppid);
			if (write(ack[1], "", 1) != 1)
				_exit(1);
			/* blocks until the parent closes gate[1] */
			_exit(read(gate[0], &b, 1) != 0);
		}
	}
	close(gate[0]);
	close(ack[1]);
	for (long i = 0; i < p; i++)
		if (read(ack[0], &b, 1) != 1)
			die("waiting for the children");
	printf("ready %ld\n", p);
	fflush(stdout);
	while (read(0, &b, 1) > 0)
		;
	close(gate[1]);
	while (wait(&st) > 0)
		failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	return failed != 0;
}

int main(int argc, char **argv)
{
	long a = argc > 2 ? atol(argv[2]) : 0;
	long b = argc > 3 ? atol(argv[3]) : 0;
	long c = argc > 4 ? atol(argv[4]) : 2;

	if (argc < 3)
		goto usage;
	if (!strcmp(argv[1], "loop")) {
		hot(a);
		return 0;
	}
	if (!strcmp(argv[1], "mixed") && argc >= 4)
		return mode_mixed(a, b, connect_once, "connects");
	if (!strcmp(argv[1], "forker") && argc >= 4)
		return mode_forker(a, b, c);
	if (!strcmp(argv[1], "hold"))
		return mode_hold(a);
	if (!strcmp(argv[1], "sends") && argc >= 4)
		return mode_mixed(a, b, send_once, "sends");
	if (!strcmp(argv[1], "tcp"))
		return mode_tcp(a);
	if (!strcmp(argv[1], "open") && argc >= 4) {
		for (long i = 0; i < a; i++) {
			int fd = open(argv[3], O_RDONLY);
			if (fd < 0)
				die("open");
			close(fd);
		}
		return 0;
	}
usage:
	fprintf(stderr, "usage: workload loop N | mixed N K | forker P N [J] | hold P | sends N K | tcp K | open N PATH\n");
	return 2;
}
