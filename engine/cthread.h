// Threads outside the Go runtime (exitwatch.go, nudge.go): started with
// every signal blocked, so no process-directed signal is ever delivered to
// them, and stopped through an eventfd they poll.
#ifndef SCTRACE_CTHREAD_H
#define SCTRACE_CTHREAD_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

// cthread_start runs fn(arg) on a new thread with every signal blocked;
// pthread_create's result.
static inline int cthread_start(pthread_t *th, void *(*fn)(void *), void *arg) {
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

// cthread_eventfd is a non-blocking close-on-exec eventfd, -1 on failure.
static inline int cthread_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

// cthread_ring makes eventfd fd readable.
static inline void cthread_ring(int fd) {
	uint64_t one = 1;
	while (write(fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

#endif
