package itest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// deferred adapts a function to engine.Deferred.
type deferred func(abandon <-chan struct{}) engine.Decision

func (f deferred) Run(abandon <-chan struct{}) engine.Decision { return f(abandon) }

func mkdirPath(t *testing.T, st *engine.Stop) string {
	t.Helper()
	p, _, err := st.ReadString(st.Args[0], 4096)
	if err != nil {
		t.Errorf("reading mkdir's path: %v", err)
	}
	return p
}

// A held call stalls no one: while mkdir a waits for its Deferred, the
// other process's mkdir b stops and is decided; a's Deferred finishes
// only after that, and its decision applies to a.
func TestHoldDoesNotStall(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 0}),
		"{ mkdir "+dir+"/a 2>/dev/null; echo $? > "+dir+"/rc_a; } & sleep 0.3; mkdir "+dir+"/b 2>/dev/null; echo $? > "+dir+"/rc_b; wait")
	bSeen := make(chan struct{})
	waited := ""
	_, err := s.Trace(pid, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if strings.HasSuffix(mkdirPath(t, st), "/b") {
			close(bSeen)
			return engine.Decision{Verdict: engine.Fail, Value: int64(syscall.EPERM)}, nil
		}
		return engine.Decision{Verdict: engine.Hold, Later: deferred(func(<-chan struct{}) engine.Decision {
			select {
			case <-bSeen:
				waited = "b first"
			case <-time.After(20 * time.Second):
				waited = "timed out: the loop stalled"
			}
			return engine.Decision{Verdict: engine.Fail, Value: int64(syscall.EACCES)}
		})}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if waited != "b first" {
		t.Errorf("a's Deferred: %s", waited)
	}
	for _, f := range []string{"rc_a", "rc_b"} {
		if b, _ := os.ReadFile(filepath.Join(dir, f)); string(b) != "1\n" {
			t.Errorf("%s = %q, want 1 (refused)", f, b)
		}
	}
	for _, d := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
			t.Errorf("%s was created", d)
		}
	}
}

// A tracee SIGKILLed while held: its Deferred is told (abandon), its
// decision is dropped, and tracing goes on.
func TestHoldAbandoned(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 0}),
		"mkdir "+dir+"/a & p=$!; sleep 0.3; kill -9 $p; wait; mkdir "+dir+"/b 2>/dev/null; echo $? > "+dir+"/rc_b")
	abandoned := make(chan bool, 1)
	st, err := s.Trace(pid, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if strings.HasSuffix(mkdirPath(t, st), "/b") {
			return engine.Decision{Verdict: engine.Fail, Value: int64(syscall.EPERM)}, nil
		}
		return engine.Decision{Verdict: engine.Hold, Later: deferred(func(abandon <-chan struct{}) engine.Decision {
			select {
			case <-abandon:
				abandoned <- true
			case <-time.After(20 * time.Second):
				abandoned <- false
			}
			return engine.Decision{} // would let mkdir a run: must be dropped
		})}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !<-abandoned {
		t.Error("the Deferred of the killed tracee was never abandoned")
	}
	if !st.Exited() || st.ExitStatus() != 0 {
		t.Errorf("root status %+v", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
		t.Error("the dropped decision let mkdir a run")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rc_b")); string(b) != "1\n" {
		t.Errorf("rc_b = %q: tracing did not go on after the kill", b)
	}
}

// Restart rewinds the thread onto its syscall: the same call stops again.
// A held call's on-return function sees the Deferred's result and may
// replace it.
func TestHoldRestartAndOnReturn(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 0}),
		"mkdir "+dir+"/a 2>/dev/null; echo $? > "+dir+"/rc_a")
	stops := 0
	var seen int64
	_, err := s.Trace(pid, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		stops++
		if mkdirPath(t, st) != dir+"/a" {
			t.Errorf("stop %d: path %q (the rewound call must be the same)", stops, mkdirPath(t, st))
		}
		if stops == 1 {
			return engine.Decision{Verdict: engine.Hold, Later: deferred(func(<-chan struct{}) engine.Decision {
				return engine.Decision{Verdict: engine.Restart}
			})}, nil
		}
		st.OnReturn(func(st *engine.Stop, ret int64) (int64, bool, error) {
			seen = ret
			return -int64(syscall.EEXIST), true, nil
		})
		return engine.Decision{Verdict: engine.Hold, Later: deferred(func(<-chan struct{}) engine.Decision {
			return engine.Decision{Verdict: engine.Return, Value: 0}
		})}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if stops != 2 {
		t.Errorf("%d stops, want 2 (the call again after Restart)", stops)
	}
	if seen != 0 {
		t.Errorf("on-return saw %d, want the Deferred's 0", seen)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rc_a")); string(b) != "1\n" {
		t.Errorf("rc_a = %q, want 1 (EEXIST from on-return)", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
		t.Error("mkdir ran")
	}
}
