package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scripts/demo.lua is what `make` runs: three traced connects with their
// results and a mkdir refused in the kernel.
func TestDemoScript(t *testing.T) {
	needBash(t)
	r := cli(t, "", nil, "", filepath.Join(scriptsDir, "demo.lua"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	connect := regexp.MustCompile(`^\[\d+\] connect\(127\.0\.0\.1:9\) = -111 \(ud 1\)$`)
	if r.code != 0 || len(lines) != 5 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range lines[:3] {
		if !connect.MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	if !strings.Contains(lines[3], "mkdir says: mkdir: cannot create directory") || !strings.Contains(lines[3], "Operation not permitted") {
		t.Errorf("mkdir line %q", lines[3])
	}
	if !regexp.MustCompile(`^traced 3 connects; #<Process::Status: pid=\d+,exited\(0\)>$`).MatchString(lines[4]) {
		t.Errorf("last line %q", lines[4])
	}
}

// `make` must also work where the runner gives no SHELL (as CI does): bash
// then looks its user up and glibc asks nscd over a unix socket first. Those
// connects are traced and printed with their path; the demo still succeeds
// on its three.
func TestDemoScriptWithoutShell(t *testing.T) {
	needBash(t)
	t.Setenv("SHELL", "")
	os.Unsetenv("SHELL")
	r := cli(t, "", nil, "", filepath.Join(scriptsDir, "demo.lua"))
	if r.code != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	ours := regexp.MustCompile(`^\[\d+\] connect\(127\.0\.0\.1:9\) = -111 \(ud 1\)$`)
	local := regexp.MustCompile(`^\[\d+\] connect\(/\S+\) = -?\d+ \(ud 1\)$`)
	n, others := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		switch {
		case ours.MatchString(l):
			n++
		case local.MatchString(l):
			others++
		case strings.HasPrefix(l, "  mkdir says:"):
		case regexp.MustCompile(`^traced \d+ connects; #<Process::Status: pid=\d+,exited\(0\)>$`).MatchString(l):
			if want := fmt.Sprintf("traced %d connects;", n+others); !strings.HasPrefix(l, want) {
				t.Errorf("summary %q, want %q", l, want)
			}
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if n != 3 {
		t.Errorf("%d connects to 127.0.0.1:9, want 3; stdout:\n%s", n, r.stdout)
	}
	t.Logf("%d other connects (nscd lookups)", others)
}

// explain prints a policy's or a script's filter without running anything.
func TestExplain(t *testing.T) {
	r := cli(t, "", nil, "", "explain", "limit-forks:max=5", "deny-network")
	for _, want := range []string{
		"policy limit-forks: at most max processes alive in the traced tree; more forks fail with EAGAIN [max=5]",
		"policy deny-network:",
		"== filter for limit-forks:max=5 + deny-network ==",
		"clone                   56  trace(3)         tracer (registers, race-free)  arg1 & 0x10000 == 0x0",
		"tracer (registers, race-free)  limit-forks    at most max processes alive in the traced tree",
		"guard ptrace     ptrace, process_vm_writev, pidfd_getfd fail with EPERM",
		"the policies decide calls in the tracer: guards ptrace, untraced, io_uring; a Landlock layer scopes ptrace and signals",
		"layer 1 handles fs make_block; scope signal",
		"(any other)                 allow",
		"-- libseccomp PFC --",
		"action TRACE(4);",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = cli(t, "", nil, "", "explain", filepath.Join(scriptsDir, "sample-sh.lua"))
	if r.code != 0 || !strings.Contains(r.stdout, "sample-sh.lua: filter 1 of 1 ==") || !strings.Contains(r.stdout, "connect                 42  trace(0)") ||
		!strings.Contains(r.stdout, "if ($syscall == 42)") {
		t.Errorf("explain a script: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, "", nil, "", "explain", "no-such-policy")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown policy "no-such-policy"`) {
		t.Errorf("explain unknown: exit %d, stderr %s", r.code, r.stderr)
	}
}
