package engine

import (
	"os"
	"os/signal"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ignoreTerminalSignals keeps the terminal's SIGINT/SIGQUIT from killing the
// tracer while it traces: the tracees are in the same foreground process
// group and receive them themselves, as they would without a tracer (a shell
// does the same while it waits for its foreground job). interrupt, if set,
// hears about each one: a host can use it to stop a runaway callback. Catching rather than
// ignoring keeps SIG_IGN from being inherited by children spawned meanwhile.
func ignoreTerminalSignals(interrupt func(syscall.Signal)) (restore func()) {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGQUIT)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				if s, ok := sig.(syscall.Signal); ok && interrupt != nil {
					interrupt(s)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// sigchldDefault sets SIGCHLD to SIG_DFL for the duration of a trace and
// returns what puts the previous disposition back. The Go runtime installs
// a handler for every signal, so each ptrace stop of a tracee would also
// deliver a SIGCHLD to the tracer (signal frame, handler, rt_sigreturn:
// about 3 µs a stop, measured by BenchmarkSeccompStop). With SIG_DFL the
// kernel drops SIGCHLD when it is generated, as for a C tracer; nothing in
// this program waits for it (wait4 does not need it). SIG_IGN would not do:
// it makes the kernel reap exited children itself. The raw call keeps the
// runtime's own bookkeeping of the handler intact for the restore.
func sigchldDefault() (restore func()) {
	var dfl, old [4]uint64 // struct kernel_sigaction; zero is SIG_DFL
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
		uintptr(unsafe.Pointer(&dfl)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return func() {}
	}
	return func() {
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
			uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
}
