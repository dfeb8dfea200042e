package strace

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// attachMain is `trace -p PID…`: the running processes have no filter of
// ours, so every call stops at its entry and exit (engine.Session.Attach)
// and the selection (-e trace=, injections) is made here by number. SIGINT,
// SIGTERM or SIGHUP detaches: the processes run on, unstopped, and trace
// then dies of that signal, as strace does.
// Precondition: the runtime OS thread is locked (the Session's thread).
func attachMain(o *Options, stderr io.Writer) int {
	tr, file, ok := startTracer(o, stderr)
	if !ok {
		return 1
	}
	tr.attached, tr.execed, tr.root = true, true, o.Pids[0]
	// A process traced for as long as it runs: its lines are written as
	// they come (a tail -f of the -o file sees them too).
	tr.flush = true
	tr.selectByNumber()
	// The engine detaches on these signals; this channel only learns
	// which one came, to die of it afterwards.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	msg := func(format string, a ...any) {
		if o.Quiet == 0 {
			tr.w.Flush()
			fmt.Fprintf(stderr, "sctrace-lua trace: "+format+"\n", a...)
		}
	}

	s := engine.NewSession()
	defer s.Close()
	var msgs io.Writer
	if o.Quiet == 0 {
		msgs = stderr
	}
	err := s.Attach(o.Pids, engine.AttachOptions{Follow: o.Follow, DetachOnExec: o.DetachOnExec, Detached: tr.detachedFn(msgs), Ready: func(seized map[int][]int) {
		for _, pid := range o.Pids {
			for _, tid := range seized[pid] {
				tr.live[tid] = true
			}
			if n := len(seized[pid]); n > 1 && o.Follow {
				msg("Process %d attached with %d threads", pid, n)
			} else {
				msg("Process %d attached", pid)
			}
		}
	}}, engine.Hooks{
		Seccomp:    tr.seccomp,
		ThreadExit: tr.threadExit,
		Signal:     tr.signal,
		NewThread: func(tid int) {
			if o.Follow && !o.quietAttach {
				msg("Process %d attached", tid)
			}
		},
	})
	var left []int
	for tid := range tr.live {
		left = append(left, tid)
	}
	sort.Ints(left)
	for _, tid := range left {
		msg("Process %d detached", tid)
	}
	if !tr.end(file, err, stderr) {
		return 1
	}
	select {
	case sig := <-sigs:
		signal.Stop(sigs)
		dieOf(sig.(syscall.Signal))
	default:
	}
	return 0
}
