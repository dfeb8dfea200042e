// flip OK SECRET N: the main thread opens the path in a buffer N times
// while another thread keeps rewriting that buffer between OK and SECRET
// (two absolute paths of the same length). Each open that succeeds is
// read: its content says which file the process got. Prints
// "ok=A secret=S failed=F other=O": F opens failed (EACCES, or ENOENT for
// a path read half rewritten), O opened something that is neither file.
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[4096];
static const char *okp, *secretp;
static atomic_int stop;

static void *flipper(void *arg) {
	(void)arg;
	size_t len = strlen(okp);
	while (!atomic_load(&stop)) {
		memcpy(buf, secretp, len);
		memcpy(buf, okp, len);
	}
	return NULL;
}

int main(int argc, char **argv) {
	if (argc != 4 || strlen(argv[1]) != strlen(argv[2]) || strlen(argv[1]) >= sizeof buf)
		return 2;
	okp = argv[1];
	secretp = argv[2];
	long n = atol(argv[3]);
	memcpy(buf, okp, strlen(okp) + 1);
	pthread_t th;
	if (pthread_create(&th, NULL, flipper, NULL) != 0)
		return 1;
	long ok = 0, secret = 0, failed = 0, other = 0;
	for (long i = 0; i < n; i++) {
		int fd = syscall(SYS_openat, AT_FDCWD, buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			failed++;
			continue;
		}
		char c[16] = {0};
		ssize_t r = read(fd, c, sizeof c - 1);
		close(fd);
		if (r > 0 && strncmp(c, "OK", 2) == 0)
			ok++;
		else if (r > 0 && strncmp(c, "SECRET", 6) == 0)
			secret++;
		else
			other++;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("ok=%ld secret=%ld failed=%ld other=%ld\n", ok, secret, failed, other);
	return 0;
}
