package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildC compiles testdata/c/NAME.c into the test's temp dir.
func buildC(t *testing.T, name string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	out := filepath.Join(t.TempDir(), name)
	if b, err := exec.Command(cc, "-O2", "-o", out, filepath.Join("..", "..", "testdata", "c", name+".c")).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, b)
	}
	return out
}

// Escapes from ptrace are fail-closed: a process that escapes still carries
// the filter, and with no tracer its traced syscalls fail with ENOSYS.
// clone3 children are followed like clone children. PTRACE_TRACEME from a
// tracee fails (it already has a tracer).
func TestEscapes(t *testing.T) {
	bin := buildC(t, "escape")
	cases := []struct{ mode, want string }{
		{"untraced", "untraced child: mkdir: Function not implemented\ntraced\tmkdir\troot\nparent: mkdir ok\n0\n"},
		{"clone3", "traced\tmkdir\tchild\nclone3 child: mkdir ok\ntraced\tmkdir\troot\nparent: mkdir ok\n0\n"},
		{"clone3-untraced", "clone3 untraced child: mkdir: Function not implemented\ntraced\tmkdir\troot\nparent: mkdir ok\n0\n"},
		{"traceme", "traced\tptrace\troot\ntraceme: Operation not permitted\n0\n"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			r := cli(t, "", nil, "", filepath.Join(testdata, "escape.lua"), bin, c.mode, t.TempDir())
			if r.stdout != c.want || r.code != 0 {
				t.Errorf("exit %d, output:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, c.want, strings.TrimSpace(r.stderr))
			}
		})
	}
}
