/* calls: make the syscalls named on the command line and print what each
 * returned, for the profile tests. Each argument is NR[,A0[,A1...]] (any
 * base strtoull takes); each line is "NR ok" or "NR errno N". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		unsigned long a[7] = {0};
		int n = 0;
		for (char *p = strtok(argv[i], ","); p && n < 7; p = strtok(NULL, ","))
			a[n++] = strtoull(p, NULL, 0);
		errno = 0;
		long r = syscall(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
		if (r == -1)
			printf("%lu errno %d\n", a[0], errno);
		else
			printf("%lu ok\n", a[0]);
		fflush(stdout);
	}
	return 0;
}
