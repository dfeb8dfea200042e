package engine

import (
	"os"
	"os/signal"
	"syscall"
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
