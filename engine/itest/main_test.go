package itest

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

// execMode is the helper mode of children that install a filter and exec.
const execMode = "itest-exec"

type execPayload struct {
	Argv []string
	BPF  []byte
}

func TestMain(m *testing.M) {
	if engine.IsHelper() && engine.HelperMode() == execMode {
		os.Exit(runExecHelper())
	}
	os.Exit(testenv.Run(m))
}

func runExecHelper() int {
	b, err := engine.HelperPayload()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var p execPayload
	if err := json.Unmarshal(b, &p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := engine.AwaitRelease(); err != nil {
		return 1
	}
	var progs [][]byte
	if len(p.BPF) > 0 {
		progs = [][]byte{p.BPF}
	}
	err = engine.Exec(p.Argv[0], p.Argv, os.Environ(), progs)
	fmt.Fprintln(os.Stderr, err)
	return 127
}

// spawnShell starts `sh -c script` under spec, waiting to be released.
// Precondition: the test's goroutine has locked its OS thread.
func spawnShell(t *testing.T, s *engine.Session, spec filter.Spec, script string) int {
	t.Helper()
	bpf, err := spec.BPF()
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(execPayload{Argv: []string{"/bin/sh", "-c", script}, BPF: bpf})
	c, err := s.Spawn(execMode, payload)
	if err != nil {
		t.Fatal(err)
	}
	return c.Pid
}

func traceSpec(t *testing.T, nrs map[string]int) filter.Spec {
	t.Helper()
	spec := filter.Spec{Default: filter.ActionAllow}
	for name, ud := range nrs {
		nr, err := filter.SyscallNumber(name)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := filter.TraceAction(int64(ud))
		if err := spec.Add(filter.Rule{Action: a, Syscall: nr}); err != nil {
			t.Fatal(err)
		}
	}
	return spec
}

// session returns a Session bound to the test's (now locked) thread.
func session(t *testing.T) *engine.Session {
	runtime.LockOSThread()
	s := engine.NewSession()
	t.Cleanup(func() {
		s.Close()
		runtime.UnlockOSThread()
	})
	return s
}
