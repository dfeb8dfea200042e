// values.c: raw syscalls with chosen register values, for the typed
// call.args/ret test (cmd/sctrace-lua/values_test.go, testdata/lua/values.lua).
// Each call passes what a C caller may leave in a 64-bit register: an int
// zero-extended or with junk in the upper half, a -1 fd, an offset beyond
// 2^53. It prints what the script must see for the results it cannot know.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	// AT_FDCWD with junk above bit 31: the kernel reads an int (-100).
	long fd = syscall(SYS_openat, 0xdeadbeef00000000UL | 0xffffff9cUL, "/dev/null", O_RDONLY, 0);
	if (fd < 0) {
		perror("openat");
		return 1;
	}
	printf("fd %ld\n", fd);
	// fd -1 as a sign-extended register: fails EBADF.
	syscall(SYS_close, -1L);
	// an offset beyond 2^53 (off_t: signed 64 bits); /dev/null accepts any.
	syscall(SYS_lseek, fd, 0x7000000000000001L, SEEK_SET);
	// an anonymous mapping: fd -1 zero-extended (0xffffffff), the address back.
	void *p = (void *)syscall(SYS_mmap, 0UL, 4096UL, (unsigned long)PROT_READ,
		(unsigned long)(MAP_PRIVATE | MAP_ANONYMOUS), 0xffffffffUL, 0UL);
	printf("mmap %lu\n", (unsigned long)p);
	// uid_t -1 ("no change") is unsigned: 4294967295. getuid: the script replaces its result (7).
	syscall(SYS_setresuid, -1L, -1L, -1L);
	printf("uid %lu\n", (unsigned long)syscall(SYS_getuid));
	return 0;
}
