/* threads: a multi-threaded program for the learn tests. Four threads
 * each write a line through a pipe the main thread reads; with
 * "mkdir DIR" the last thread also makes a directory (one extra kind of
 * call) and the program exits 3 if that fails. Every run makes a futex
 * call: whether pthread_join has to wait depends on timing, and a policy
 * learned from a run where it did not would make another run's join fail
 * (glibc then crashes with SIGSEGV). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fds[2];
static const char *dir;
static int mkdir_errno;

static void *work(void *arg) {
	long id = (long)arg;
	char line[64];
	int n = snprintf(line, sizeof line, "thread %ld pid %d\n", id, (int)getpid());
	if (write(fds[1], line, n) != n)
		return (void *)1;
	if (dir && id == 3 && mkdir(dir, 0700) != 0)
		mkdir_errno = errno;
	return NULL;
}

int main(int argc, char **argv) {
	pthread_t t[4];
	if (argc == 3 && strcmp(argv[1], "mkdir") == 0)
		dir = argv[2];
	if (pipe(fds) != 0)
		return 1;
	for (long i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
	static int word;
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	close(fds[1]);
	char buf[512];
	int lines = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	printf("%d lines\n", lines);
	if (mkdir_errno) {
		printf("mkdir: %s\n", strerror(mkdir_errno));
		return 3;
	}
	return lines == 4 ? 0 : 2;
}
