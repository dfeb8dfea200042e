package itest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// SpawnExec: the command runs under its filter from its execve on (the
// execve is the first stop, with its user data), with the environment
// given, the signal mask this process started with, the RLIMIT_NOFILE a child of this process gets
// from os/exec, and the status it exits with.
func TestSpawnExec(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	spec := traceSpec(t, map[string]int{"mkdir": 7, "execve": 1})
	bpf, err := spec.BPF()
	if err != nil {
		t.Fatal(err)
	}
	script := "cd " + dir + " && mkdir a && echo \"$FOO\" > env && ulimit -Sn > nofile; exit 3"
	c, err := s.SpawnExec("/bin/sh", []string{"sh", "-c", script}, []string{"FOO=bar baz", "PATH=/usr/bin:/bin"}, [][]byte{bpf})
	if err != nil {
		t.Fatal(err)
	}
	var got []event
	st, err := s.Trace(c.Pid, engine.Hooks{
		Seccomp: func(st *engine.Stop) (engine.Decision, error) {
			name, _ := filter.SyscallName(st.Nr)
			got = append(got, event{name, st.UD})
			return engine.Decision{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []event{{"execve", 1}, {"execve", 1}, {"mkdir", 7}} // sh, mkdir
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("events %v, want %v", got, want)
	}
	if !st.Exited() || st.ExitStatus() != 3 {
		t.Errorf("status %+v, want exited(3)", st)
	}
	if e := c.ExecErrno(); e != 0 {
		t.Errorf("ExecErrno %v after a successful exec", e)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return strings.TrimSpace(string(b))
	}
	if v := read("env"); v != "bar baz" {
		t.Errorf("FOO=%q in the command", v)
	}
	// The mask this process started with (go test may pass one on), not
	// the Go thread's: cp copies its own status (a shell would set a mask
	// of its own).
	c, err = s.SpawnExec("/bin/cp", []string{"cp", "/proc/self/status", filepath.Join(dir, "status")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := s.Trace(c.Pid, engine.Hooks{}); err != nil || !st.Exited() || st.ExitStatus() != 0 {
		t.Fatalf("cp: %+v, %v", st, err)
	}
	sig := ""
	for _, l := range strings.Split(read("status"), "\n") {
		if strings.HasPrefix(l, "SigBlk:") {
			sig = l
		}
	}
	if want := fmt.Sprintf("SigBlk:\t%016x", engine.StartSignalMask()); sig != want {
		t.Errorf("the command's %q, want %q", sig, want)
	}
	limit, err := exec.Command("/bin/sh", "-c", "ulimit -Sn").Output()
	if err != nil {
		t.Fatal(err)
	}
	if v := read("nofile"); v != strings.TrimSpace(string(limit)) {
		t.Errorf("soft RLIMIT_NOFILE %s, want %s as under os/exec", v, limit)
	}
}

// A failed exec: the child exits 127 and ExecErrno says why; the execve
// stop was seen.
func TestSpawnExecFails(t *testing.T) {
	s := session(t)
	bpf, err := traceSpec(t, map[string]int{"execve": 1}).BPF()
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want syscall.Errno
	}{{"/nonexistent-sctrace", syscall.ENOENT}, {plain, syscall.EACCES}} {
		ch, err := s.SpawnExec(c.path, []string{c.path}, nil, [][]byte{bpf})
		if err != nil {
			t.Fatal(err)
		}
		stops := 0
		st, err := s.Trace(ch.Pid, engine.Hooks{Seccomp: func(*engine.Stop) (engine.Decision, error) {
			stops++
			return engine.Decision{}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !st.Exited() || st.ExitStatus() != 127 || stops != 1 {
			t.Errorf("%s: status %+v, %d stops; want exited(127), 1 stop", c.path, st, stops)
		}
		if e := ch.ExecErrno(); e != c.want {
			t.Errorf("%s: ExecErrno %v, want %v", c.path, e, c.want)
		}
	}
}

// A SpawnExec child never released (the Session closes) is killed and
// reaped: it never runs the command.
func TestSpawnExecNeverReleased(t *testing.T) {
	runtimeLocked := session(t)
	dir := t.TempDir()
	c, err := runtimeLocked.SpawnExec("/bin/sh", []string{"sh", "-c", "touch " + dir + "/ran"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	runtimeLocked.Close()
	if err := syscall.Kill(c.Pid, 0); err != syscall.ESRCH {
		t.Errorf("child %d after Close: kill 0 gives %v, want ESRCH", c.Pid, err)
	}
	if _, err := os.Stat(dir + "/ran"); err == nil {
		t.Errorf("the command ran")
	}
}
