package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests of `trace -p`: attaching to a shell this test started (not a child
// of the tracer), detaching on a signal, -f, -c, -e status=, several pids.

// attachLoop is a shell loop with an openat that succeeds, one that fails
// (ENOENT) and a /bin/sleep child per round; its log says "ok" or "fail"
// for the first open, so a call the trace broke (ENOSYS) shows.
func attachLoop(dir string) string {
	return "while :; do if read x < /etc/hostname; then echo ok; else echo fail; fi >> " + dir + "/log; " +
		"{ read y < " + dir + "/nonexistent; } 2>/dev/null; /bin/sleep 0.02; done"
}

// startTrace starts the CLI with args without waiting for it.
func startTrace(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &errb
}

// waitFile waits until the file at path matches re.
func waitFile(t *testing.T, path string, re *regexp.Regexp) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		b, _ := os.ReadFile(path)
		if re.Match(b) {
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never matched %s:\n%s", path, re, b)
	return ""
}

// stopTrace sends sig to the trace and checks it died of it, as strace does.
func stopTrace(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	cmd.Process.Signal(sig)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("trace after %v: %v", sig, err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
		t.Fatalf("trace after %v: %v, want killed by it", sig, ee)
	}
}

func procField(pid int, name string) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// checkLetGo: pid has no tracer, is not stopped, and its loop goes on
// with no failed open.
func checkLetGo(t *testing.T, pid int, dir string) {
	t.Helper()
	if tp := procField(pid, "TracerPid"); tp != "0" {
		t.Errorf("after the detach, TracerPid %q", tp)
	}
	// not stopped (T, t) nor gone (Z, X); D is a moment of the loop's own
	// (a page brought in, an exec), and the loop is seen going on below
	if st := procField(pid, "State"); st == "" || strings.ContainsAny(st[:1], "TtZX") {
		t.Errorf("after the detach, State %q", st)
	}
	log := filepath.Join(dir, "log")
	b, _ := os.ReadFile(log)
	n := strings.Count(string(b), "\n")
	waitFile(t, log, regexp.MustCompile(`(?s)^(ok\n){`+strconv.Itoa(n+3)+`}`))
	b, _ = os.ReadFile(log)
	if strings.Contains(string(b), "fail") {
		t.Errorf("the loop's open failed while traced:\n%s", b)
	}
}

// -p PID -e trace=openat: only openat lines, both of the loop's opens, no
// pid prefix; SIGTERM detaches and trace dies of it; the shell runs on.
func TestTraceAttach(t *testing.T) {
	dir := t.TempDir()
	pid := runningShell(t, nil, dir, attachLoop(dir))
	out := filepath.Join(dir, "trace.out")
	cmd, stderr := startTrace(t, "trace", "-e", "trace=openat", "-o", out, "-p", strconv.Itoa(pid))
	got := waitFile(t, out, regexp.MustCompile(`(?m)^openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\) = 3\n(.*\n)*openat\(AT_FDCWD, "`+dir+`/nonexistent", O_RDONLY\) = -1 ENOENT`))
	stopTrace(t, cmd, syscall.SIGTERM)
	checkLetGo(t, pid, dir)
	got, _ = readFile(out)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !strings.HasPrefix(l, "openat(AT_FDCWD, ") && !strings.HasPrefix(l, "--- SIGCHLD {") {
			t.Errorf("not an openat line: %q", l)
		}
	}
	p := strconv.Itoa(pid)
	if want := "sctrace-lua trace: Process " + p + " attached\nsctrace-lua trace: Process " + p + " detached\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

func readFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	return string(b), err
}

// -e status=failed selects by how the call ended under -p too (and -e
// signal=none drops the SIGCHLD lines); SIGINT detaches as SIGTERM does.
func TestTraceAttachStatus(t *testing.T) {
	dir := t.TempDir()
	pid := runningShell(t, nil, dir, attachLoop(dir))
	out := filepath.Join(dir, "trace.out")
	cmd, _ := startTrace(t, "trace", "-q", "-Z", "-e", "trace=openat,read", "-e", "signal=none", "-o", out, "-p", strconv.Itoa(pid))
	waitFile(t, out, regexp.MustCompile(`(?m)(^openat\(AT_FDCWD, ".*/nonexistent", O_RDONLY\) = -1 ENOENT .*\n){2}`))
	stopTrace(t, cmd, syscall.SIGINT)
	checkLetGo(t, pid, dir)
	got, _ := readFile(out)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !strings.HasPrefix(l, "openat(AT_FDCWD, \""+dir+"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)") {
			t.Errorf("not the failed open: %q", l)
		}
	}
}

// -f follows the children created after the attach: the /bin/sleep of
// each round execs under its own pid; without -f none is seen.
func TestTraceAttachFollow(t *testing.T) {
	dir := t.TempDir()
	pid := runningShell(t, nil, dir, attachLoop(dir))
	p := strconv.Itoa(pid)
	out := filepath.Join(dir, "trace.out")
	cmd, _ := startTrace(t, "trace", "-f", "-e", "trace=execve,openat", "-o", out, "-p", p)
	re := regexp.MustCompile(`(?m)^(\d+) +execve\("/bin/sleep", \["/bin/sleep", "0.02"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) = 0$`)
	got := waitFile(t, out, re)
	stopTrace(t, cmd, syscall.SIGTERM)
	checkLetGo(t, pid, dir)
	for _, m := range re.FindAllStringSubmatch(got, -1) {
		if m[1] == p {
			t.Errorf("the shell itself execs: %s", m[0])
		}
	}
	if !regexp.MustCompile(`(?m)^` + p + ` +openat\(AT_FDCWD, "/etc/hostname"`).MatchString(got) {
		t.Errorf("no openat of the shell with its pid:\n%s", got)
	}

	cmd, _ = startTrace(t, "trace", "-e", "trace=execve,openat", "-o", out, "-p", p)
	waitFile(t, out, regexp.MustCompile(`(?m)(^openat\(AT_FDCWD, "/etc/hostname".*\n(.*\n)*){3}`))
	stopTrace(t, cmd, syscall.SIGTERM)
	got, _ = readFile(out)
	if strings.Contains(got, "execve") {
		t.Errorf("without -f, a child's execve:\n%s", got)
	}
}

// Several pids (-p A,B and -p A -p B): each line carries its pid; -c
// counts the selected calls of both.
func TestTraceAttachSeveral(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	a := runningShell(t, nil, dir1, attachLoop(dir1))
	b := runningShell(t, nil, dir2, attachLoop(dir2))
	pa, pb := strconv.Itoa(a), strconv.Itoa(b)
	out := filepath.Join(dir1, "trace.out")
	cmd, stderr := startTrace(t, "trace", "-e", "trace=openat", "-o", out, "-p", pa+","+pb)
	got := waitFile(t, out, regexp.MustCompile(`(?s)`+dir1+`/nonexistent.*`+dir2+`/nonexistent|`+dir2+`/nonexistent.*`+dir1+`/nonexistent`))
	stopTrace(t, cmd, syscall.SIGTERM)
	checkLetGo(t, a, dir1)
	checkLetGo(t, b, dir2)
	got, _ = readFile(out)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		switch {
		case strings.Contains(l, dir1+"/"):
			if !strings.HasPrefix(l, pa+" ") {
				t.Errorf("%s's line: %q", pa, l)
			}
		case strings.Contains(l, dir2+"/"):
			if !strings.HasPrefix(l, pb+" ") {
				t.Errorf("%s's line: %q", pb, l)
			}
		}
	}
	for _, p := range []string{pa, pb} {
		if !strings.Contains(stderr.String(), "Process "+p+" attached\n") || !strings.Contains(stderr.String(), "Process "+p+" detached\n") {
			t.Errorf("stderr lacks %s's attach or detach:\n%s", p, stderr)
		}
	}

	cmd, _ = startTrace(t, "trace", "-c", "-e", "trace=openat", "-o", out, "-p", pa, "-p", pb)
	time.Sleep(500 * time.Millisecond)
	stopTrace(t, cmd, syscall.SIGTERM)
	got, _ = readFile(out)
	rows := parseSummary(t, got)
	if len(rows) != 2 || rows["openat"][0] < 4 || rows["openat"][1] < 2 || rows["openat"][1]*2 > rows["openat"][0]+2 {
		t.Errorf("-c rows %v:\n%s", rows, got)
	}
}

// Misuse of -p: one line, exit 2 for the command line, 1 for the attach.
func TestTraceAttachErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-p", "x"}, 2, "invalid process id: 'x'"},
		{[]string{"-p", "0"}, 2, "invalid process id: '0'"},
		{[]string{"-p", "1", "true"}, 2, "-p with a command is not supported"},
		{[]string{"-p", "4194000"}, 1, "attach 4194000: no such process"},
	} {
		r := cli(t, "", nil, "", append([]string{"trace"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}
