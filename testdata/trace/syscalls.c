// syscalls.c: one deterministic run through the syscalls the decoder knows
// best, for the strace oracle test (cmd/sctrace-lua/trace_test.go). Every
// value it prints must be the same under strace and sctrace-lua: no
// ephemeral ports, clocks or random bytes of its own.
//
//   syscalls FILE DIR SCRATCH
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 4)
		return 2;
	const char *file = argv[1], *dir = argv[2], *scratch = argv[3];
	char buf[256], path[512];
	struct stat st;
	int p[2], sp[2], n = 0;

	stat(file, &st);
	lstat("/dev/null", &st);
	fstatat(AT_FDCWD, "/nonexistent", &st, AT_SYMLINK_NOFOLLOW);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	pread(fd, buf, 5, 1);
	read(fd, buf, sizeof buf);
	read(fd, buf, sizeof buf);
	lseek(fd, -1, SEEK_END);
	lseek(fd, 0, 77);
	fcntl(fd, F_GETFD);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	close(fd);
	openat(AT_FDCWD, "/nonexistent/x", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	openat(AT_FDCWD, "/tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW);

	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	syscall(SYS_getdents64, dfd, buf, sizeof buf);
	close(dfd);

	pipe2(p, O_CLOEXEC | O_NONBLOCK);
	write(p[1], "0123456789012345678901234567890123456789", 40);
	ioctl(p[0], FIONREAD, &n);
	read(p[0], buf, 64);
	dup2(p[0], 20);
	dup3(p[0], 21, O_CLOEXEC);
	lseek(20, 0, SEEK_SET);
	ioctl(20, TCGETS, buf);
	ioctl(20, _IOR('x', 0x99, int), &n);
	struct pollfd pfd = {p[1], POLLOUT, 0};
	poll(&pfd, 1, 0);

	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(m, 4096, PROT_NONE);
	munmap(m, 4096);
	mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_HUGETLB | (4 << MAP_HUGE_SHIFT), -1, 0);
	madvise(NULL, 4096, MADV_DONTNEED);

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sigfillset(&ss);
	sigset_t old;
	sigprocmask(SIG_SETMASK, &ss, &old);
	sigemptyset(&ss);
	sigprocmask(SIG_SETMASK, &ss, NULL);
	struct sigaction sa = {0};
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGUSR2, NULL, &sa);
	kill(getpid(), 0);

	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a4 = {AF_INET, htons(1), {htonl(INADDR_LOOPBACK)}};
	connect(s, (void *)&a4, sizeof a4);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	socklen_t ol = sizeof one;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &one, &ol);
	close(s);
	int su = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un au = {AF_UNIX, "/nonexistent/socket"};
	connect(su, (void *)&au, sizeof au);
	struct sockaddr_un aa = {AF_UNIX, "\0sctrace-lua-oracle-nobody"};
	connect(su, (void *)&aa, offsetof(struct sockaddr_un, sun_path) + 26);
	close(su);
	int sn = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl nl = {AF_NETLINK, 0, 0, 0};
	bind(sn, (void *)&nl, sizeof nl);
	socklen_t nll = sizeof nl;
	getsockname(sn, (void *)&nl, &nll);
	close(sn);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
	recvfrom(sp[0], buf, 10, MSG_DONTWAIT, NULL, NULL);
	send(sp[1], "xyz", 3, MSG_NOSIGNAL);
	recvfrom(sp[0], buf, 10, 0, NULL, NULL);
	struct iovec iov[2] = {{"ab", 2}, {"cde\n", 4}};
	writev(sp[1], iov, 2);
	char b1[3], b2[20];
	struct iovec riov[2] = {{b1, 3}, {b2, 20}};
	readv(sp[0], riov, 2);
	struct msghdr mh = {0};
	struct iovec miov = {"hello", 5};
	mh.msg_iov = &miov;
	mh.msg_iovlen = 1;
	sendmsg(sp[1], &mh, MSG_NOSIGNAL);
	struct iovec rmiov = {buf, 16};
	struct msghdr rh = {0};
	rh.msg_iov = &rmiov;
	rh.msg_iovlen = 1;
	recvmsg(sp[0], &rh, 0);

	int e = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {EPOLLIN | EPOLLET, {.u64 = 3}};
	epoll_ctl(e, EPOLL_CTL_ADD, sp[0], &ev);
	struct epoll_event out[4];
	epoll_wait(e, out, 4, 0);
	eventfd(0, EFD_NONBLOCK);

	getcwd(buf, sizeof buf);
	readlink("/proc/self/exe", buf, sizeof buf);
	snprintf(path, sizeof path, "%s/d", scratch);
	mkdir(path, 0755);
	rmdir(path);
	unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
	access("/", R_OK | X_OK);
	faccessat(AT_FDCWD, "/", F_OK, 0);
	chmod("/nonexistent", 04755);
	umask(022);
	mknod("/nonexistent/fifo", S_IFIFO | 0644, 0);

	struct timespec ts = {0, 1000};
	nanosleep(&ts, NULL);
	struct utsname u;
	uname(&u);
	struct rlimit rl;
	// Not RLIMIT_NOFILE: the Go runtime of the tracer's helper raises its
	// soft limit, which the traced command then inherits.
	getrlimit(RLIMIT_STACK, &rl);
	setresuid(-1, -1, -1);
	gid_t groups[8];
	getgroups(0, groups);

	int fx = 0;
	syscall(SYS_futex, &fx, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
	syscall(SYS_futex, &fx, FUTEX_WAKE, 1, NULL, NULL, 0);

	pid_t c = fork();
	if (c == 0)
		_exit(3);
	int ws;
	wait4(c, &ws, 0, NULL);
	c = fork();
	if (c == 0) {
		kill(getpid(), SIGTERM);
		pause();
	}
	waitpid(c, &ws, 0);
	return 0;
}
