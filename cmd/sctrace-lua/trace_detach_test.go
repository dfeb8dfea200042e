package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Tests of `trace -b execve`: the command is traced without a filter and
// each process is let go at its exec (the command's own excepted). cli
// fails a test that leaves a process behind (stopped, traced or running).

// tracerPidOf is the TracerPid line a program wrote into file.
func tracerPidOf(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the exec'd program wrote nothing: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// A child of the shell that execs grep is detached at that exec: grep
// reads TracerPid 0, none of its calls is traced, its execve line ends
// with "<detached ...>" and it gets no "+++" line; the shell's calls
// before and after are traced and its exit status is trace's. Without -b
// the same grep is traced (the test can tell the two apart).
func TestTraceDetachOnExec(t *testing.T) {
	dir := t.TempDir()
	tp := filepath.Join(dir, "tp")
	script := "read x < /etc/hostname; /bin/grep TracerPid /proc/self/status > " + tp + "; read y < /etc/hostname; exit 3"

	got, r := runTrace(t, "-f", "-b", "execve", "-e", "trace=openat,execve,exit_group", "/bin/sh", "-c", script)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	if v := tracerPidOf(t, tp); v != "TracerPid:\t0" {
		t.Errorf("grep under -b execve read %q, want TracerPid 0", v)
	}
	if r.stderr != "" {
		t.Errorf("stderr with -o (strace is quiet then): %q", r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	var grepPid string
	hostnames := 0
	for _, l := range lines {
		if m := regexp.MustCompile(`^(\d+) +execve\("/bin/grep", \["/bin/grep", "TracerPid", "/proc/self/status"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) <detached \.\.\.>$`).FindStringSubmatch(l); m != nil {
			grepPid = m[1]
		}
		if strings.Contains(l, `openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`) {
			hostnames++
		}
	}
	if grepPid == "" {
		t.Fatalf("no detached execve of grep in:\n%s", got)
	}
	if !regexp.MustCompile(`^\d+ +execve\("/bin/sh", \["/bin/sh", "-c", `).MatchString(lines[0]) || !strings.HasSuffix(lines[0], ") = 0") {
		t.Errorf("first line %q, want the command's execve = 0", lines[0])
	}
	if hostnames != 2 {
		t.Errorf("%d opens of /etc/hostname, want the shell's 2 (before and after grep):\n%s", hostnames, got)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, grepPid+" ") && !strings.Contains(l, "<detached ...>") {
			t.Errorf("a line of grep after its detach: %q", l)
		}
		if strings.Contains(l, "/proc/self/status\", O_RDONLY") {
			t.Errorf("grep's own open was traced: %q", l)
		}
	}
	if !strings.HasSuffix(got, " +++ exited with 3 +++\n") || strings.Count(got, "+++") != 2 {
		t.Errorf("want one +++ line, the shell's exit 3; got:\n%s", got)
	}

	os.Remove(tp)
	got, r = runTrace(t, "-f", "-e", "trace=openat", "/bin/sh", "-c", script)
	if r.code != 3 {
		t.Fatalf("without -b: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if v := tracerPidOf(t, tp); v == "TracerPid:\t0" || !strings.HasPrefix(v, "TracerPid:\t") {
		t.Errorf("grep without -b read %q, want a tracer", v)
	}
	if !strings.Contains(got, `openat(AT_FDCWD, "/proc/self/status", O_RDONLY`) {
		t.Errorf("without -b grep's open is not traced:\n%s", got)
	}
}

// The command's own exec is traced through; its next one (exec in the
// shell) detaches the root itself: the new program runs untraced, its
// exit status still becomes trace's (the root is trace's child), and
// without -o trace says "Process N detached" on stderr as strace does.
func TestTraceDetachRootOnExec(t *testing.T) {
	dir := t.TempDir()
	tp := filepath.Join(dir, "tp")
	r := cli(t, "", nil, "", "trace", "-b", "execve", "-e", "trace=execve", "/bin/sh", "-c",
		"exec /bin/sh -c 'grep TracerPid /proc/self/status > "+tp+"; exit 5'")
	if r.code != 5 {
		t.Fatalf("exit %d, want 5; stderr:\n%s", r.code, r.stderr)
	}
	if v := tracerPidOf(t, tp); v != "TracerPid:\t0" {
		t.Errorf("the exec'd shell's grep read %q, want TracerPid 0", v)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^execve\("/bin/sh", \["/bin/sh", "-c", "exec /bin/sh -c 'grep TracerPid "\.\.\.\], 0x[0-9a-f]+ /\* \d+ vars \*/\) = 0$`),
		regexp.MustCompile(`^execve\("/bin/sh", \["/bin/sh", "-c", "grep TracerPid /proc/self/status"\.\.\.\], 0x[0-9a-f]+ /\* \d+ vars \*/\) <detached \.\.\.>$`),
		regexp.MustCompile(`^sctrace-lua trace: Process \d+ detached$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), r.stderr)
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d %q, want %s", i+1, lines[i], re)
		}
	}
}

// -b takes execve only, as strace's.
func TestTraceDetachOnBad(t *testing.T) {
	for _, args := range [][]string{{"-b", "open"}, {"--detach-on=exit"}} {
		r := cli(t, "", nil, "", append(append([]string{"trace"}, args...), "true")...)
		if r.code != 2 || !strings.Contains(r.stderr, "for -b isn't supported (only execve)") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// -p -f -b execve: the shell's children are followed and each is let go
// at its exec of /bin/sleep, so sleep's own clock_nanosleep is never seen;
// SIGTERM then detaches the shell, which runs on.
func TestTraceAttachDetachOnExec(t *testing.T) {
	dir := t.TempDir()
	pid := runningShell(t, nil, dir, attachLoop(dir))
	out := filepath.Join(dir, "trace.out")
	cmd, stderr := startTrace(t, "trace", "-f", "-b", "execve", "-e", "trace=execve,clock_nanosleep,nanosleep", "-o", out, "-p", strconv.Itoa(pid))
	re := regexp.MustCompile(`(?m)^\d+ +execve\("/bin/sleep", \["/bin/sleep", "0\.02"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) <detached \.\.\.>\n(.*\n)*\d+ +execve\("/bin/sleep"`)
	waitFile(t, out, re)
	stopTrace(t, cmd, syscall.SIGTERM)
	checkLetGo(t, pid, dir)
	got, _ := readFile(out)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if strings.Contains(l, "nanosleep(") {
			t.Errorf("a call of the detached sleep was traced: %q", l)
		}
	}
	if n := strings.Count(stderr.String(), " detached\n"); n < 3 {
		t.Errorf("stderr %q, want a detach message per sleep and the shell's", stderr.String())
	}
}
