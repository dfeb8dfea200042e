/* forks.c N: forks N short-lived children one after another (each exits at
 * once; the parent waits for it), then prints "forked N failed F". With
 * limit-forks:max=2 every fork must succeed: at most two processes are ever
 * alive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, ok = 0, failed = 0;
	const char *first = NULL;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0) {
			if (!first)
				first = strerror(errno);
			failed++;
			continue;
		}
		int st;
		if (waitpid(p, &st, 0) == p && WIFEXITED(st))
			ok++;
	}
	printf("forked %d failed %d%s%s\n", ok, failed, first ? " first error: " : "", first ? first : "");
	return failed != 0;
}
