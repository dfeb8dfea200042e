package itest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"golang.org/x/sys/unix"
)

// TraceUnfiltered with DetachOnExec: a child spawned without a filter
// stops at every call (the shell's openat is seen at its entry, UD 0, and
// a decision applies: the failed open), its first exec is traced through,
// the shell's exec of grep lets the root go (Detached, once), grep runs
// untraced, and the root's status still comes back.
func TestTraceUnfilteredDetachOnExec(t *testing.T) {
	s := session(t)
	dir := t.TempDir()
	script := "if { read x < /etc/hostname; } 2>/dev/null; then echo opened; else echo refused; fi > " + dir + "/sh; exec /bin/grep TracerPid /proc/self/status > " + dir + "/grep"
	c, err := s.SpawnExec("/bin/sh", []string{"sh", "-c", script}, []string{"PATH=/usr/bin:/bin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var detached []int
	execs, opens, afterDetach := 0, 0, 0
	st, err := s.TraceUnfiltered(c.Pid, engine.UnfilteredOptions{
		Follow: true, DetachOnExec: true,
		Detached: func(pid int) { detached = append(detached, pid) },
	}, engine.Hooks{
		Seccomp: func(st *engine.Stop) (engine.Decision, error) {
			if len(detached) > 0 {
				afterDetach++
			}
			switch st.Nr {
			case unix.SYS_EXECVE:
				execs++
			case unix.SYS_OPENAT:
				if p, _, _ := st.ReadString(st.Args[1], 256); p == "/etc/hostname" {
					opens++
					return engine.Decision{Verdict: engine.Fail, Value: int64(unix.EACCES)}, nil
				}
			}
			if st.UD != 0 {
				t.Errorf("UD %d without a filter", st.UD)
			}
			return engine.Decision{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exited() || st.ExitStatus() != 0 {
		t.Errorf("status %+v, want exited(0) (grep found the line)", st)
	}
	if len(detached) != 1 || detached[0] != c.Pid {
		t.Errorf("Detached %v, want [%d]", detached, c.Pid)
	}
	if execs != 2 || opens != 1 || afterDetach != 0 {
		t.Errorf("execs %d opens %d calls after the detach %d, want 2 1 0", execs, opens, afterDetach)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return strings.TrimSpace(string(b))
	}
	if v := read("sh"); v != "refused" {
		t.Errorf("the shell's open: %q, want refused (the decision applied)", v)
	}
	if v := read("grep"); v != "TracerPid:\t0" {
		t.Errorf("grep read %q, want TracerPid 0", v)
	}
}
