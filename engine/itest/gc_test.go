package itest

import (
	"runtime"
	"syscall"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// The tracer thread waits for ptrace events in a raw wait4 that keeps its
// P, so a garbage collection cannot stop it there. A collection started
// while every tracee is idle must still finish (and the goroutines it
// holds up go on) before the next event: here the goroutine that starts
// it is also the one that ends the tracee, which sleeps (20 s) far longer than
// the test may take.
func TestCollectionWhileTheTraceeIsIdle(t *testing.T) {
	s := session(t)
	bpf, err := traceSpec(t, map[string]int{"execve": 1}).BPF()
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.SpawnExec("/bin/sleep", []string{"sleep", "20"}, nil, [][]byte{bpf})
	if err != nil {
		t.Fatal(err)
	}
	collected := make(chan struct{})
	st, err := s.Trace(c.Pid, engine.Hooks{
		Seccomp: func(*engine.Stop) (engine.Decision, error) {
			go func() {
				runtime.GC()
				close(collected)
				syscall.Kill(c.Pid, syscall.SIGKILL)
			}()
			return engine.Decision{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-collected:
	default:
		t.Fatal("the collection did not finish while the tracee slept")
	}
	if !st.Signaled() || st.Signal() != syscall.SIGKILL {
		t.Errorf("status %+v, want killed by SIGKILL", st)
	}
}
