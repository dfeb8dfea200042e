// enosys DIR OUT: mkdir DIR/a (the supervisor dies during it), then
// mkdir DIR/b; writes the errno names of both to OUT.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *name(int r) {
	if (r == 0)
		return "0";
	return errno == ENOSYS ? "ENOSYS" : strerror(errno);
}

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	char p[4096];
	snprintf(p, sizeof p, "%s/a", argv[1]);
	const char *a = name(mkdir(p, 0755));
	snprintf(p, sizeof p, "%s/b", argv[1]);
	const char *b = name(mkdir(p, 0755));
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return 1;
	fprintf(f, "a=%s b=%s\n", a, b);
	fclose(f);
	rename(tmp, argv[2]);
	return 0;
}
