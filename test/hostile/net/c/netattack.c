// netattack: network attacks on deny-network, one mode per class. The test
// (test/hostile/net) listens on 127.0.0.1:PORT (allowed) and 127.0.0.2:PORT
// (denied), TCP and UDP, and counts what arrives; this program reports each
// call's result as "case NAME RET ERRNO" lines and totals as "KEY N".
//
//   netattack unspec PORT         AF_UNSPEC and cross-family sockaddrs
//   netattack multi PORT          sendmsg / sendmmsg, every message
//   netattack uring PORT          io_uring connect and sendmsg
//   netattack short PORT          malformed sockaddrs (the kernel's errnos)
//   netattack race KIND N PORT    a thread flips the address (or the fd)
//                                 while N calls run; KIND sendto, sendmsg,
//                                 udpconnect, tcp, fdswap
//   netattack slow PORT           a connect blocked on a full backlog while
//                                 another process works; one killed held
//   netattack nonblock PORT       EINPROGRESS, then the connection completes
//   netattack signal              signals reach a thread held in connect
//   netattack unix DIR            unix calls of a multi-threaded program
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

static int port;

static void report(const char *name, long ret) {
	printf("case %s %ld %d\n", name, ret, ret < 0 ? errno : 0);
	fflush(stdout);
}

static struct sockaddr_in sin_of(const char *ip, int family) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = family;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static int udp(int family) {
	int fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) { perror("socket"); exit(2); }
	return fd;
}

// ---- unspec ----
static void mode_unspec(void) {
	struct sockaddr_in u2 = sin_of("127.0.0.2", AF_UNSPEC), i1 = sin_of("127.0.0.1", AF_INET);
	struct sockaddr_in i2 = sin_of("127.0.0.2", AF_INET);
	int s = udp(AF_INET);
	report("sendto_unspec_denied", sendto(s, "unspec1", 7, 0, (void *)&u2, sizeof u2));
	report("sendto_inet_allowed", sendto(s, "inet1", 5, 0, (void *)&i1, sizeof i1));
	struct iovec iov = {"unspec2", 7};
	struct msghdr m = {.msg_name = &u2, .msg_namelen = sizeof u2, .msg_iov = &iov, .msg_iovlen = 1};
	report("sendmsg_unspec_denied", sendmsg(s, &m, 0));
	// AF_UNSPEC connect dissolves the association: no address is used
	report("connect_inet_allowed", connect(s, (void *)&i1, sizeof i1));
	report("connect_unspec", connect(s, (void *)&u2, sizeof u2));
	report("send_after_unspec", send(s, "after", 5, 0));
	close(s);
	s = udp(AF_INET);
	struct sockaddr_in any = sin_of("0.0.0.0", AF_UNSPEC);
	report("bind_unspec_any", bind(s, (void *)&any, sizeof any));
	close(s);
	// sa_family AF_INET6 on an AF_INET TCP socket
	s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in x2 = sin_of("127.0.0.2", AF_INET6);
	report("tcp_connect_inet6_family", connect(s, (void *)&x2, sizeof x2));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("tcp_connect_unspec", connect(s, (void *)&u2, sizeof u2));
	close(s);
	// an AF_INET sockaddr on an AF_INET6 UDP socket is IPv4
	s = udp(AF_INET6);
	report("v6_sendto_inet_denied", sendto(s, "v6inet", 6, 0, (void *)&i2, sizeof i2));
	report("v6_sendto_unspec", sendto(s, "v6unspec", 8, 0, (void *)&u2, sizeof u2));
	struct sockaddr_in6 m2;
	memset(&m2, 0, sizeof m2);
	m2.sin6_family = AF_INET6;
	m2.sin6_port = htons(port);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &m2.sin6_addr);
	report("v6_sendto_mapped_denied", sendto(s, "mapped", 6, 0, (void *)&m2, sizeof m2));
	close(s);
	// a sendto with MSG_FASTOPEN connects a TCP socket
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("tcp_fastopen_denied", sendto(s, "tfo", 3, MSG_FASTOPEN, (void *)&i2, sizeof i2));
	close(s);
	// listen on an unbound socket would listen on every address
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("listen_unbound", listen(s, 1));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in l1 = sin_of("127.0.0.1", AF_INET);
	l1.sin_port = 0;
	bind(s, (void *)&l1, sizeof l1);
	report("listen_bound_allowed", listen(s, 1));
	close(s);
	// sockets the tracer could not follow, and source routes
	report("socket_packet", socket(AF_PACKET, SOCK_DGRAM, 0));
	report("socket_raw", socket(AF_INET, SOCK_RAW, IPPROTO_UDP));
	report("socket_sctp", socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP));
	s = udp(AF_INET);
	unsigned char lsrr[8] = {1, 131, 7, 4, 127, 0, 0, 2};
	report("setsockopt_ip_options", setsockopt(s, IPPROTO_IP, IP_OPTIONS, lsrr, sizeof lsrr));
	close(s);
}

// ---- multi ----
static void mode_multi(void) {
	struct sockaddr_in a1 = sin_of("127.0.0.1", AF_INET), a2 = sin_of("127.0.0.2", AF_INET), u2 = sin_of("127.0.0.2", AF_UNSPEC);
	int s = udp(AF_INET);
	struct mmsghdr v[3];
	struct iovec iov[3] = {{"m1", 2}, {"m2", 2}, {"m3", 2}};
	struct sockaddr_in *good[3] = {&a1, &a1, &a1}, *bad[3] = {&a1, &a2, &a1}, *bad2[3] = {&a1, &a1, &u2};
	struct sockaddr_in **sets[3] = {good, bad, bad2};
	const char *names[3] = {"sendmmsg_all_allowed", "sendmmsg_second_denied", "sendmmsg_third_unspec"};
	for (int k = 0; k < 3; k++) {
		memset(v, 0, sizeof v);
		for (int i = 0; i < 3; i++) {
			v[i].msg_hdr.msg_name = sets[k][i];
			v[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
			v[i].msg_hdr.msg_iov = &iov[i];
			v[i].msg_hdr.msg_iovlen = 1;
			v[i].msg_len = 99;
		}
		int r = sendmmsg(s, v, 3, 0);
		report(names[k], r);
		if (k == 0)
			printf("msg_len %u %u %u\n", v[0].msg_len, v[1].msg_len, v[2].msg_len);
	}
	struct iovec two[2] = {{"sm", 2}, {"g1", 2}};
	struct msghdr m = {.msg_name = &a1, .msg_namelen = sizeof a1, .msg_iov = two, .msg_iovlen = 2};
	report("sendmsg_allowed", sendmsg(s, &m, 0));
	m.msg_name = &a2;
	report("sendmsg_denied", sendmsg(s, &m, 0));
	// a control message that source-routes (IP_RETOPTS) is refused
	char ctl[CMSG_SPACE(8)];
	memset(ctl, 0, sizeof ctl);
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RETOPTS;
	c->cmsg_len = CMSG_LEN(8);
	unsigned char *o = CMSG_DATA(c);
	o[0] = 131; o[1] = 7; o[2] = 4; // LSRR, one hop: 127.0.0.2
	inet_pton(AF_INET, "127.0.0.2", o + 3);
	o[7] = 1; // NOP pad
	m.msg_name = &a1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	report("sendmsg_source_route", sendmsg(s, &m, 0));
	close(s);
}

// ---- io_uring ----
static int uring_op(int op, int fd, void *addr, long len) {
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int r = syscall(__NR_io_uring_setup, 4, &p);
	if (r < 0)
		return -1;
	size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r, IORING_OFF_SQ_RING);
	char *cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -1;
	memset(&sqes[0], 0, sizeof sqes[0]);
	sqes[0].opcode = op;
	sqes[0].fd = fd;
	sqes[0].addr = (uint64_t)(uintptr_t)addr;
	if (op == IORING_OP_CONNECT)
		sqes[0].off = len;
	unsigned *tail = (unsigned *)(sq + p.sq_off.tail);
	unsigned *array = (unsigned *)(sq + p.sq_off.array);
	array[*tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	int e = syscall(__NR_io_uring_enter, r, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (e < 0)
		return -1;
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	int res = cqe[0].res;
	close(r);
	return res;
}

static void mode_uring(void) {
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	long r = syscall(__NR_io_uring_setup, 4, &p);
	report("io_uring_setup", r);
	if (r >= 0)
		close(r);
	struct sockaddr_in a2 = sin_of("127.0.0.2", AF_INET);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	printf("uring_connect %d\n", uring_op(IORING_OP_CONNECT, s, &a2, sizeof a2));
	close(s);
	s = udp(AF_INET);
	struct iovec iov = {"uring", 5};
	struct msghdr m = {.msg_name = &a2, .msg_namelen = sizeof a2, .msg_iov = &iov, .msg_iovlen = 1};
	printf("uring_sendmsg %d\n", uring_op(IORING_OP_SENDMSG, s, &m, 0));
	close(s);
}

// ---- short ----
static void mode_short(void) {
	struct sockaddr_in a1 = sin_of("127.0.0.1", AF_INET);
	int s = udp(AF_INET);
	report("connect_4", connect(s, (void *)&a1, 4));
	report("connect_0", connect(s, (void *)&a1, 0));
	report("connect_200", connect(s, (void *)&a1, 200));
	report("connect_null", connect(s, NULL, sizeof a1));
	report("bind_4", bind(s, (void *)&a1, 4));
	report("sendto_4", sendto(s, "x", 1, 0, (void *)&a1, 4));
	report("sendto_neg", sendto(s, "x", 1, 0, (void *)&a1, -1));
	struct iovec iov = {"x", 1};
	struct msghdr m = {.msg_name = &a1, .msg_namelen = 4, .msg_iov = &iov, .msg_iovlen = 1};
	report("sendmsg_4", sendmsg(s, &m, 0));
	report("sendmsg_badmsg", sendmsg(s, (void *)8, 0));
	report("connect_badfd", connect(999, (void *)&a1, sizeof a1));
	report("connect_notsock", connect(0, (void *)&a1, sizeof a1));
	report("sendto_allowed", sendto(s, "alive", 5, 0, (void *)&a1, sizeof a1));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("tcp_connect_4", connect(s, (void *)&a1, 4));
	close(s);
}

// ---- race ----
static volatile struct sockaddr_in race_addr;
static volatile int stop_flip;
static int swap_fd, swap_unix, swap_udp;
static struct sockaddr_un swap_un;
static union { struct sockaddr_in in; struct sockaddr_un un; } swap_mem;

static void *flipper(void *arg) {
	(void)arg;
	struct in_addr one, two;
	inet_pton(AF_INET, "127.0.0.1", &one);
	inet_pton(AF_INET, "127.0.0.2", &two);
	while (!stop_flip) {
		race_addr.sin_addr.s_addr = two.s_addr;
		race_addr.sin_addr.s_addr = one.s_addr;
	}
	return NULL;
}

// fdswap: the fd alternates between a unix datagram socket (whose calls
// deny-network leaves alone) and a UDP socket, and the address with it.
static void *swapper(void *arg) {
	(void)arg;
	struct sockaddr_in a2 = sin_of("127.0.0.2", AF_INET);
	while (!stop_flip) {
		dup2(swap_udp, swap_fd);
		memcpy((void *)&swap_mem, &a2, sizeof a2);
		dup2(swap_unix, swap_fd);
		memcpy((void *)&swap_mem, &swap_un, sizeof swap_un);
	}
	return NULL;
}

static void mode_race(const char *kind, int n) {
	struct sockaddr_in a1 = sin_of("127.0.0.1", AF_INET);
	memcpy((void *)&race_addr, &a1, sizeof a1);
	pthread_t th;
	int ok = 0, refused = 0, other = 0;
	int s = -1;
	if (!strcmp(kind, "fdswap")) {
		swap_unix = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		int rcv = socket(AF_UNIX, SOCK_DGRAM, 0);
		memset(&swap_un, 0, sizeof swap_un);
		swap_un.sun_family = AF_UNIX;
		snprintf(swap_un.sun_path + 1, sizeof swap_un.sun_path - 1, "netattack-%d", getpid());
		bind(rcv, (void *)&swap_un, sizeof swap_un);
		swap_udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		swap_fd = dup(swap_unix);
		memcpy(&swap_mem, &swap_un, sizeof swap_un);
		pthread_create(&th, NULL, swapper, NULL);
	} else {
		pthread_create(&th, NULL, flipper, NULL);
	}
	if (!strcmp(kind, "sendto") || !strcmp(kind, "sendmsg"))
		s = udp(AF_INET);
	for (int i = 0; i < n; i++) {
		long r;
		if (!strcmp(kind, "sendto")) {
			r = sendto(s, "race", 4, 0, (void *)&race_addr, sizeof race_addr);
		} else if (!strcmp(kind, "sendmsg")) {
			struct iovec iov = {"race", 4};
			struct msghdr m = {.msg_name = (void *)&race_addr, .msg_namelen = sizeof race_addr, .msg_iov = &iov, .msg_iovlen = 1};
			r = sendmsg(s, &m, 0);
		} else if (!strcmp(kind, "udpconnect")) {
			s = udp(AF_INET);
			r = connect(s, (void *)&race_addr, sizeof race_addr);
			if (r == 0 && send(s, "race", 4, 0) != 4)
				r = -2;
			close(s);
		} else if (!strcmp(kind, "tcp")) {
			s = socket(AF_INET, SOCK_STREAM, 0);
			r = connect(s, (void *)&race_addr, sizeof race_addr);
			close(s);
		} else {
			r = sendto(swap_fd, "swap", 4, 0, (void *)&swap_mem, sizeof swap_un);
			if (r < 0 && errno == EAGAIN)
				r = 0; // the unix receiver is full
		}
		if (r >= 0)
			ok++;
		else if (errno == EACCES)
			refused++;
		else
			other++;
	}
	stop_flip = 1;
	pthread_join(th, NULL);
	printf("ok %d\nrefused %d\nother %d\n", ok, refused, other);
}

// ---- slow: a connect held on a full backlog ----
static int full_listener(int *filler, int *lport) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin_of("127.0.0.1", AF_INET);
	a.sin_port = 0;
	socklen_t len = sizeof a;
	if (bind(l, (void *)&a, sizeof a) || listen(l, 0) || getsockname(l, (void *)&a, &len)) { perror("listener"); exit(2); }
	*lport = ntohs(a.sin_port);
	*filler = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*filler, (void *)&a, sizeof a)) { perror("filler"); exit(2); }
	return l;
}

static void mode_slow(void) {
	int filler, lport;
	int l = full_listener(&filler, &lport);
	struct sockaddr_in full = sin_of("127.0.0.1", AF_INET);
	full.sin_port = htons(lport);
	int ready[2], ready2[2];
	pipe(ready);
	pipe(ready2);
	// K: held in a connect, then SIGKILLed while held
	pid_t k = fork();
	if (k == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		write(ready2[1], "k", 1);
		connect(s, (void *)&full, sizeof full);
		_exit(3);
	}
	// A: held in a connect until the backlog frees
	pid_t a = fork();
	if (a == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		write(ready[1], "a", 1);
		int r = connect(s, (void *)&full, sizeof full);
		printf("A connect %d %d\n", r, r ? errno : 0);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	read(ready2[0], &c, 1);
	usleep(200000); // let both reach their connect
	kill(k, SIGKILL);
	int st;
	waitpid(k, &st, 0);
	printf("K killed %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	fflush(stdout);
	// B: another process works while A is held
	pid_t b = fork();
	if (b == 0) {
		struct sockaddr_in a1 = sin_of("127.0.0.1", AF_INET);
		int u = udp(AF_INET), ok = 0;
		for (int i = 0; i < 200; i++) {
			if (sendto(u, "b", 1, 0, (void *)&a1, sizeof a1) == 1)
				ok++;
			int s = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(s, (void *)&a1, sizeof a1) == 0)
				ok++;
			close(s);
		}
		printf("B done %d\n", ok);
		_exit(0);
	}
	waitpid(b, &st, 0);
	fflush(stdout);
	// only now free the backlog: A's connect completes at its next SYN
	int x = accept(l, NULL, NULL);
	waitpid(a, &st, 0);
	printf("A exit %d\n", WEXITSTATUS(st));
	close(x);
	close(filler);
	close(l);
}

// ---- nonblock ----
static void mode_nonblock(void) {
	struct sockaddr_in a1 = sin_of("127.0.0.1", AF_INET), a2 = sin_of("127.0.0.2", AF_INET);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	report("nb_connect", connect(s, (void *)&a1, sizeof a1));
	struct pollfd p = {s, POLLOUT, 0};
	poll(&p, 1, 10000);
	int err = -1;
	socklen_t len = sizeof err;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("so_error %d\n", err);
	report("nb_send", send(s, "hello", 5, 0));
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	report("nb_connect_denied", connect(s, (void *)&a2, sizeof a2));
	close(s);
}

// ---- signal ----
static int sig_listener;
static volatile int alarms;

static void on_alarm(int sig) {
	(void)sig;
	alarms++;
	write(1, "alarm\n", 6);
	int x = accept4(sig_listener, NULL, NULL, SOCK_NONBLOCK); // frees the backlog
	(void)x;
}

static void mode_signal(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int filler, lport;
	sig_listener = full_listener(&filler, &lport);
	fcntl(sig_listener, F_SETFL, O_NONBLOCK);
	struct sockaddr_in full = sin_of("127.0.0.1", AF_INET);
	full.sin_port = htons(lport);
	// SO_SNDTIMEO: the held connect ends after the timeout, as the kernel's
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = {0, 300000};
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	report("connect_sndtimeo", connect(s, (void *)&full, sizeof full));
	close(s);
	// a handler with SA_RESTART runs while the connect is held, and the
	// connect goes on (the handler frees the backlog: it then succeeds)
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	report("connect_restarted", connect(s, (void *)&full, sizeof full));
	printf("alarms %d\n", alarms);
	close(s);
	close(filler);
	// SIGTERM without a handler ends a process held in a connect
	int filler2, lport2;
	int l2 = full_listener(&filler2, &lport2);
	full.sin_port = htons(lport2);
	int ready[2];
	pipe(ready);
	pid_t c = fork();
	if (c == 0) {
		int t = socket(AF_INET, SOCK_STREAM, 0);
		write(ready[1], "c", 1);
		connect(t, (void *)&full, sizeof full);
		_exit(0);
	}
	char ch;
	read(ready[0], &ch, 1);
	usleep(100000);
	kill(c, SIGTERM);
	int st;
	waitpid(c, &st, 0);
	printf("term %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	close(filler2);
	close(l2);
}

// ---- unix: left alone by deny-network, emulated when the fd table is
// shared (a second thread): relative paths, umask, SCM_RIGHTS, peers ----
static void *sleeper(void *arg) {
	(void)arg;
	pause();
	return NULL;
}

static void mode_unix(const char *dir) {
	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL); // shares the fd table
	if (chdir(dir)) { perror("chdir"); exit(2); }
	umask(077);
	struct sockaddr_un d = {.sun_family = AF_UNIX}, st = {.sun_family = AF_UNIX};
	strcpy(d.sun_path, "d");
	strcpy(st.sun_path, "s");
	int rcv = socket(AF_UNIX, SOCK_DGRAM, 0);
	report("bind_relative", bind(rcv, (void *)&d, sizeof d));
	struct stat sb;
	if (stat("d", &sb) == 0)
		printf("mode %o\n", sb.st_mode & 0777);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (void *)&st, sizeof st);
	listen(l, 4);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	report("connect_relative", connect(c, (void *)&st, sizeof st));
	int a = accept(l, NULL, NULL);
	struct ucred cr;
	socklen_t len = sizeof cr;
	getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cr, &len);
	printf("peer_uid_is_mine %d\n", cr.uid == getuid());
	int p[2];
	pipe(p);
	char ctl[CMSG_SPACE(sizeof(int))];
	memset(ctl, 0, sizeof ctl);
	struct cmsghdr *cm = (struct cmsghdr *)ctl;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	struct iovec iov = {"r", 1};
	int snd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct msghdr m = {.msg_name = &d, .msg_namelen = sizeof d, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	report("sendmsg_rights", sendmsg(snd, &m, 0));
	char buf[8], rctl[CMSG_SPACE(sizeof(int))];
	struct iovec riov = {buf, sizeof buf};
	struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl, .msg_controllen = sizeof rctl};
	if (recvmsg(rcv, &rm, 0) == 1 && CMSG_FIRSTHDR(&rm)) {
		int fd;
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&rm)), sizeof fd);
		write(fd, "via", 3);
		char got[4] = {0};
		read(p[0], got, 3);
		printf("rights %s\n", got);
	}
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: netattack MODE ...\n");
		return 2;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "race")) {
		if (argc < 5) return 2;
		port = atoi(argv[4]);
		mode_race(argv[2], atoi(argv[3]));
		return 0;
	}
	if (!strcmp(mode, "signal")) {
		mode_signal();
		return 0;
	}
	if (argc < 3) return 2;
	port = atoi(argv[2]);
	if (!strcmp(mode, "unspec")) mode_unspec();
	else if (!strcmp(mode, "multi")) mode_multi();
	else if (!strcmp(mode, "uring")) mode_uring();
	else if (!strcmp(mode, "short")) mode_short();
	else if (!strcmp(mode, "slow")) mode_slow();
	else if (!strcmp(mode, "nonblock")) mode_nonblock();
	else if (!strcmp(mode, "unix")) mode_unix(argv[2]);
	else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
	return 0;
}
