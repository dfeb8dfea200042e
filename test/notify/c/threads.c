// threads T N: T threads each call getppid N times; every call must
// return 4242 (the supervisor's answer). Prints "calls=C wrong=W".
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long n;
static long wrong[64];

static void *run(void *arg) {
	long i = (long)arg;
	for (long k = 0; k < n; k++)
		if (syscall(SYS_getppid) != 4242)
			wrong[i]++;
	return NULL;
}

int main(int argc, char **argv) {
	int t = argc > 1 ? atoi(argv[1]) : 16;
	n = argc > 2 ? atol(argv[2]) : 1000;
	if (t < 1 || t > 64)
		return 2;
	pthread_t th[64];
	for (long i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, run, (void *)i) != 0)
			return 1;
	long w = 0;
	for (int i = 0; i < t; i++) {
		pthread_join(th[i], NULL);
		w += wrong[i];
	}
	printf("calls=%ld wrong=%ld\n", t * n, w);
	return 0;
}
