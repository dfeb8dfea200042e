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
// results, a mkdir refused in the kernel, and a line explaining each kind
// of result.
func TestDemoScript(t *testing.T) {
	needBash(t)
	r := cli(t, "", nil, "", filepath.Join(scriptsDir, "demo.lua"))
	if r.code != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	c := demoLines(t, r.stdout)
	if c.ours != 3 || c.others != 0 {
		t.Errorf("%d connects to 127.0.0.1:9 and %d others, want 3 and 0; stdout:\n%s", c.ours, c.others, r.stdout)
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
	c := demoLines(t, r.stdout)
	if c.ours != 3 {
		t.Errorf("%d connects to 127.0.0.1:9, want 3; stdout:\n%s", c.ours, r.stdout)
	}
	t.Logf("%d other connects (nscd lookups)", c.others)
}

type demoCounts struct{ ours, others int }

// demoLines checks every line of the demo's output: the two header lines,
// one result line per connect, one explanation after the first connect of
// each kind, bash's mkdir error, the summary with the right count, and the
// explanation of the mkdir refusal.
func demoLines(t *testing.T, stdout string) demoCounts {
	t.Helper()
	ours := regexp.MustCompile(`^\[\d+\] connect\(127\.0\.0\.1:9\) = -111 ECONNREFUSED \(ud 1\)$`)
	local := regexp.MustCompile(`^\[\d+\] connect\(/\S+\) = -?\d+( E[A-Z]+)? \(ud 1\)$`)
	summary := regexp.MustCompile(`^traced (\d+) connects; #<Process::Status: pid=\d+,exited\(0\)>$`)
	var c demoCounts
	var explained []string
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "demo: bash connects to 127.0.0.1:9 three times") ||
		!strings.Contains(lines[1], "connect stops and reaches this script's callback (trace); mkdir fails with EPERM (errno)") {
		t.Fatalf("header lines missing:\n%s", stdout)
	}
	mkdir, sum := 0, 0
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		switch {
		case ours.MatchString(l):
			c.ours++
		case local.MatchString(l):
			c.others++
		case strings.HasPrefix(l, "  ^ traced:"):
			explained = append(explained, "ours")
			if i+1 >= len(lines) || lines[i+1] != "    ECONNREFUSED because nothing listens on port 9 — the expected result" {
				t.Errorf("explanation of ECONNREFUSED missing after %q", l)
			}
			i++
		case strings.HasPrefix(l, "  ^ bash's own lookup"):
			explained = append(explained, "other")
		case strings.HasPrefix(l, "  mkdir says:"):
			mkdir++
			if !strings.Contains(l, "cannot create directory") || !strings.Contains(l, "Operation not permitted") {
				t.Errorf("mkdir line %q", l)
			}
		case summary.MatchString(l):
			sum++
			if want := fmt.Sprintf("traced %d connects;", c.ours+c.others); !strings.HasPrefix(l, want) {
				t.Errorf("summary %q, want %q", l, want)
			}
		case strings.HasPrefix(l, "  ^ mkdir never stopped: the errno rule made the kernel refuse it with EPERM"):
			if i+1 >= len(lines) || !strings.Contains(lines[i+1], "that refusal is the point of the rule") {
				t.Errorf("explanation of the mkdir refusal incomplete after %q", l)
			}
			i++
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if mkdir != 1 || sum != 1 {
		t.Errorf("%d mkdir lines and %d summaries, want 1 each:\n%s", mkdir, sum, stdout)
	}
	wantExplained := 1
	if c.others > 0 {
		wantExplained = 2
	}
	if len(explained) != wantExplained {
		t.Errorf("explanations %v, want one per kind of connect seen:\n%s", explained, stdout)
	}
	return c
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
