package itest

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

type event struct {
	name string
	ud   uint32
}

// Exactly the filtered calls stop, with their user data, in every
// descendant (sh runs mkdir and rmdir as children); the root's status is
// returned and every process's exit is reported.
func TestExactEvents(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 7, "rmdir": 9}),
		"cd "+dir+" && mkdir a && mkdir b && (mkdir c) && rmdir a && exit 5")
	var got []event
	pids := map[int]bool{}
	exits := map[int]bool{}
	st, err := s.Trace(pid, engine.Hooks{
		Seccomp: func(st *engine.Stop) (engine.Decision, error) {
			name, _ := filter.SyscallName(st.Nr)
			got = append(got, event{name, st.UD})
			pids[st.Pid] = true
			return engine.Decision{}, nil
		},
		Exit: func(st engine.Status) error { exits[st.Pid] = true; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []event{{"mkdir", 7}, {"mkdir", 7}, {"mkdir", 7}, {"rmdir", 9}}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %v, want %v", i, got[i], want[i])
		}
	}
	if !st.Exited() || st.ExitStatus() != 5 || st.Pid != pid {
		t.Errorf("status %+v, want pid %d exited(5)", st, pid)
	}
	if len(pids) != 4 || pids[pid] {
		t.Errorf("calls came from %v, want 4 children of the root %d", pids, pid)
	}
	for p := range pids {
		if !exits[p] {
			t.Errorf("exit of %d not reported", p)
		}
	}
	if !exits[pid] {
		t.Errorf("exit of the root not reported")
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "b" || names[1] != "c" {
		t.Errorf("directory holds %v, want [b c]", names)
	}
}

// Fail and Return skip the call; the tracee sees the errno or value.
func TestDecisions(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 1, "getppid": 2}),
		"mkdir "+dir+"/x 2>/dev/null; echo $? > "+dir+"/rc; echo $PPID > "+dir+"/ppid")
	_, err := s.Trace(pid, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if st.UD == 1 {
			return engine.Decision{Verdict: engine.Fail, Value: int64(syscall.EACCES)}, nil
		}
		return engine.Decision{Verdict: engine.Return, Value: 4242}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("mkdir ran despite Fail")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rc")); string(b) != "1\n" {
		t.Errorf("mkdir exit code %q, want 1", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ppid")); string(b) != "4242\n" {
		t.Errorf("$PPID %q, want 4242 (faked getppid)", b)
	}
}

// KillProcess kills the caller; KillAll kills the tree, a sleeping child
// that never stops included; a handler error does the same and is returned.
func TestKills(t *testing.T) {
	for _, c := range []struct {
		name    string
		d       engine.Decision
		err     error
		wantSig syscall.Signal
	}{
		{"kill process", engine.Decision{Verdict: engine.KillProcess}, nil, syscall.SIGKILL},
		{"kill all", engine.Decision{Verdict: engine.KillAll}, nil, syscall.SIGKILL},
		{"handler error", engine.Decision{}, errors.New("boom"), syscall.SIGKILL},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := session(t)
			script := "sleep 30 & mkdir /nonexistent/x; wait"
			if c.d.Verdict == engine.KillProcess {
				script = "mkdir /nonexistent/x; exit $?"
			}
			pid := spawnShell(t, s, traceSpec(t, map[string]int{"mkdir": 0}), script)
			st, err := s.Trace(pid, engine.Hooks{Seccomp: func(*engine.Stop) (engine.Decision, error) { return c.d, c.err }})
			var he *engine.HandlerError
			if c.err != nil && (!errors.As(err, &he) || !errors.Is(err, c.err)) {
				t.Errorf("err %v, want a HandlerError wrapping %v", err, c.err)
			}
			if c.err == nil && err != nil {
				t.Errorf("err %v", err)
			}
			if c.d.Verdict == engine.KillProcess {
				// only the calling mkdir dies; the shell reports 128+9
				if !st.Exited() || st.ExitStatus() != 137 {
					t.Errorf("root status %+v, want exited(137)", st)
				}
				return
			}
			if !st.Signaled() || st.Signal() != c.wantSig {
				t.Errorf("root status %+v, want killed by %v", st, c.wantSig)
			}
		})
	}
}

// Wait hands out statuses wait4(-1) collected while tracing: a child of ours
// that was released untraced and exited meanwhile is not lost.
func TestWaitKeepsUntracedStatus(t *testing.T) {
	s := session(t)
	other := spawnShell(t, s, filter.Spec{Default: filter.ActionAllow}, "exit 3")
	root := spawnShell(t, s, traceSpec(t, map[string]int{"getppid": 0}), "sleep 0.3; exit 0")
	if err := s.Kill(other, 0); err != nil { // releases it untraced
		t.Fatal(err)
	}
	if _, err := s.Trace(root, engine.Hooks{}); err != nil {
		t.Fatal(err)
	}
	st, found, err := s.Wait(other, 0)
	if err != nil || !found || st.Pid != other || st.ExitStatus() != 3 {
		t.Errorf("Wait(%d) = %+v, %v, %v; want exited(3)", other, st, found, err)
	}
}

func TestMisuse(t *testing.T) {
	s := session(t)
	if _, err := s.Trace(1, engine.Hooks{}); !errors.Is(err, engine.ErrNotChild) {
		t.Errorf("tracing pid 1: %v, want ErrNotChild", err)
	}
	pid := spawnShell(t, s, filter.Spec{Default: filter.ActionAllow}, "exit 0")
	s.Wait(pid, 0)
	pid2 := spawnShell(t, s, filter.Spec{Default: filter.ActionAllow}, "exit 0")
	s.Kill(pid2, 0)
	if _, err := s.Trace(pid2, engine.Hooks{}); !errors.Is(err, engine.ErrReleased) {
		t.Errorf("tracing a released child: %v, want ErrReleased", err)
	}
	s.Wait(pid2, 0)
	done := make(chan error)
	go func() { _, _, err := s.Wait(-1, 0); done <- err }()
	if err := <-done; !errors.Is(err, engine.ErrWrongThread) {
		t.Errorf("Wait from another thread: %v, want ErrWrongThread", err)
	}
}
