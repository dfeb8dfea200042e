package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

// The test binary doubles as sctrace-lua: with cliEnv set it runs main's
// code, and as a Process.fork child it runs the child.
const cliEnv = "SCTRACE_LUA_TEST_CLI"

// markEnv tags every process a test starts, so leftovers can be found in
// /proc whoever their parent is now.
const markEnv = "SCTRACE_LUA_TEST_MARK"

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == reportArg {
		os.Exit(reportCommand(os.Args[2], os.Args[3:])) // a traced command (fds_test.go)
	}
	if code, ok := runHelper(); ok {
		os.Exit(code)
	}
	if os.Getenv(cliEnv) != "" {
		runtime.LockOSThread()
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(testenv.Run(m))
}

var testdata = filepath.Join("..", "..", "testdata", "lua")
var scriptsDir = filepath.Join("..", "..", "scripts")

type result struct {
	stdout, stderr string
	code           int
}

var markSeq atomic.Int64

// cli runs the CLI with args, stdin, as the given credentials (nil: as is),
// and fails the test if any process it started is left afterwards.
func cli(t *testing.T, stdin string, cred *syscall.Credential, exe string, args ...string) result {
	t.Helper()
	return cliIn(t, cliPlace{}, stdin, cred, exe, args...)
}

// cliPlace is where cliIn runs the CLI: a working directory and
// environment entries added last (so they override).
type cliPlace struct {
	dir string
	env []string
}

func cliIn(t *testing.T, at cliPlace, stdin string, cred *syscall.Credential, exe string, args ...string) result {
	t.Helper()
	if exe == "" {
		exe = os.Args[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	mark := fmt.Sprintf("%d-%d", os.Getpid(), markSeq.Add(1))
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(append(os.Environ(), cliEnv+"=1", markEnv+"="+mark), at.env...)
	cmd.Dir = at.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%v timed out; stderr:\n%s", args, errb.String())
	}
	assertNoLeftovers(t, mark)
	return result{out.String(), errb.String(), code}
}

// assertNoLeftovers fails if a process carrying mark is still alive (a
// zombie, a stopped or traced orphan, or one still running).
func assertNoLeftovers(t *testing.T, mark string) {
	t.Helper()
	needle := []byte(markEnv + "=" + mark + "\x00")
	var left []string
	// Up to 5 s: on a loaded machine the kernel's kills (EXITKILL) and
	// init's reaping of orphaned zombies can take a while.
	for try := 0; try < 250; try++ {
		left = left[:0]
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			if err != nil || !bytes.Contains(env, needle) {
				continue
			}
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			left = append(left, string(stat))
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond) // init reaps orphaned zombies asynchronously
	}
	t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
}

// listener accepts and counts connections on 127.0.0.1 until the test ends.
func listener(t *testing.T) (port int, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port, func() int { return int(n.Load()) }
}

func needBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
}

// The blog's sample, driven through stdin: a bash that connects twice
// itself and twice from children prints exactly four lines with the right
// pids and ud, and the tracer returns the shell's status.
func testSample(t *testing.T, cred *syscall.Credential, exe string) {
	needBash(t)
	port, accepted := listener(t)
	stdin := fmt.Sprintf(`echo "uid $(id -u)"
echo "self $$"
exec 3<>/dev/tcp/127.0.0.1/%[1]d
exec 3<>/dev/tcp/127.0.0.1/%[1]d
( echo "child $BASHPID"; exec 4<>/dev/tcp/127.0.0.1/%[1]d )
bash -c 'echo "child $$"; exec 5<>/dev/tcp/127.0.0.1/%[1]d'
exit 3
`, port)
	r := cli(t, stdin, cred, exe, filepath.Join(scriptsDir, "sample-sh.lua"), "/bin/bash")
	if r.code != 3 {
		t.Fatalf("exit %d, want the shell's 3; stderr:\n%s", r.code, r.stderr)
	}
	var self string
	children := map[string]bool{}
	traced := map[string]int{}
	lineRe := regexp.MustCompile(`^\[(\d+)\]: syscall connect\(#(\d+)\) called\. \(ud: 0\)$`)
	var status string
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "uid":
			if want := fmt.Sprint(os.Getuid()); cred != nil {
				want = fmt.Sprint(cred.Uid)
				if f[1] != want {
					t.Errorf("ran as uid %s, want %s", f[1], want)
				}
			}
		case len(f) == 2 && f[0] == "self":
			self = f[1]
		case len(f) == 2 && f[0] == "child":
			children[f[1]] = true
		case lineRe.MatchString(line):
			m := lineRe.FindStringSubmatch(line)
			traced[m[1]]++
		case strings.HasPrefix(line, "#<Process::Status"):
			status = line
		default:
			t.Errorf("unexpected line %q", line)
		}
	}
	if traced[self] != 2 {
		t.Errorf("shell %s: %d traced connects, want 2; output:\n%s", self, traced[self], r.stdout)
	}
	if len(children) != 2 {
		t.Fatalf("want 2 children, got %v; output:\n%s", children, r.stdout)
	}
	for c := range children {
		if traced[c] != 1 {
			t.Errorf("child %s: %d traced connects, want 1", c, traced[c])
		}
	}
	total := 0
	for _, n := range traced {
		total += n
	}
	if total != 4 {
		t.Errorf("%d traced lines, want 4", total)
	}
	if want := fmt.Sprintf("#<Process::Status: pid=%s,exited(3)>", self); status != want {
		t.Errorf("status %q, want %q", status, want)
	}
	if got := accepted(); got != 4 {
		t.Errorf("listener accepted %d connections, want 4", got)
	}
}

func TestSampleShell(t *testing.T) { testSample(t, nil, "") }

// Seccomp plus ptrace of one's own child needs no privilege.
func TestSampleShellUnprivileged(t *testing.T) {
	if os.Getuid() != 0 {
		testSample(t, nil, "") // already unprivileged
		return
	}
	exe := nobodyExe(t)
	abs, _ := filepath.Abs(scriptsDir)
	if !worldReadable(abs) {
		t.Skipf("%s is not reachable by uid 65534", abs)
	}
	testSample(t, &syscall.Credential{Uid: 65534, Gid: 65534}, exe)
}

// nobodyExe copies the test binary where uid 65534 can run it (its own
// directory is private to root).
func nobodyExe(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sctrace-lua-unpriv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	exe := filepath.Join(dir, "sctrace-lua.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

func worldReadable(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o005 != 0o005 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

func TestExitStatus(t *testing.T) {
	cases := []struct{ code, want string }{
		{"exit 7", "true\ttrue\t7\tfalse\tnil\tfalse\t7\n#<Process::Status: pid=PID,exited(7)>\n"},
		{"exit 0", "true\ttrue\t0\tfalse\tnil\ttrue\t0\n#<Process::Status: pid=PID,exited(0)>\n"},
		{"kill -TERM $$", "true\tfalse\tnil\ttrue\t15\tfalse\t143\n#<Process::Status: pid=PID,signaled(SIGTERM)>\n"},
		{"kill -KILL $$", "true\tfalse\tnil\ttrue\t9\tfalse\t137\n#<Process::Status: pid=PID,signaled(SIGKILL)>\n"},
	}
	pidRe := regexp.MustCompile(`pid=\d+`)
	for _, c := range cases {
		r := cli(t, "", nil, "", filepath.Join(testdata, "exit_status.lua"), c.code)
		if got := pidRe.ReplaceAllString(r.stdout, "pid=PID"); got != c.want || r.code != 0 {
			t.Errorf("%q: exit %d, output\n%s\nwant\n%s\nstderr: %s", c.code, r.code, got, c.want, r.stderr)
		}
	}
}

func TestRuleActions(t *testing.T) {
	dir := t.TempDir()
	r := cli(t, "", nil, "", filepath.Join(testdata, "actions.lua"), dir)
	want := `write=2
read=0
errno	#<Process::Status: exited(0)>	
kill	#<Process::Status: signaled(SIGSYS)>	
made
errno-nomatch	#<Process::Status: exited(0)>	
trace-ud	#<Process::Status: exited(0)>	mkdir=11 rmdir=22
denied
add_rule	#<Process::Status: exited(0)>	rmdir=7
trap	#<Process::Status: signaled(SIGSYS)>	
`
	if r.stdout != want || r.code != 0 {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("the write did not fail with EROFS; stderr:\n%s", r.stderr)
	}
	for _, name := range []string{"k", "p", "a"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was created despite the rule", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m")); err != nil {
		t.Errorf("m was not created: the non-matching condition blocked it")
	}
}

func TestForkSnapshot(t *testing.T) {
	r := cli(t, "", nil, "", filepath.Join(testdata, "fork_snapshot.lua"))
	want := `parent count	0
n	42	s	3	0
t	deep	3	true	3
alias	true	1
helper	helper(x)	42	cfg
ctx	Seccomp context (seccomp filter: default allow, 1 rule)
1
0
`
	if r.stdout != want || r.code != 0 {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	r = cli(t, "", nil, "", filepath.Join(testdata, "fork_uncarriable.lua"))
	if r.code != 1 || !strings.Contains(r.stderr, "fork_uncarriable.lua:4: Process.fork: cannot carry upvalue 'cfg' → field 'out' (userdata FILE*)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// A traced process stopped from outside is really stopped (it makes no
// progress; /proc shows it stopped) and runs again on SIGCONT.
func TestJobControl(t *testing.T) {
	dir := t.TempDir()
	pidfile, counter := filepath.Join(dir, "pid"), filepath.Join(dir, "count")
	script := fmt.Sprintf(`
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  ctx:load()
  exec("/bin/sh", "-c", 'echo $$ > %s; while :; do echo . >> %s; sleep 0.02; done')
end)
print(Seccomp.start_trace(pid, function() end))`, pidfile, counter)
	mark := fmt.Sprintf("%d-jc", os.Getpid())
	cmd := exec.Command(os.Args[0], "-e", script)
	cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"="+mark)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		assertNoLeftovers(t, mark)
	}()
	var pid int
	waitFor(t, "the shell to start", func() bool {
		b, err := os.ReadFile(pidfile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	lines := func() int { b, _ := os.ReadFile(counter); return bytes.Count(b, []byte{'\n'}) }
	waitFor(t, "the loop to run", func() bool { return lines() > 2 })

	syscall.Kill(pid, syscall.SIGSTOP)
	waitFor(t, "the shell to stop", func() bool { s := procState(pid); return s == "T" || s == "t" })
	before := lines()
	time.Sleep(300 * time.Millisecond)
	if after := lines(); after != before {
		t.Errorf("stopped shell made progress: %d → %d lines", before, after)
	}
	syscall.Kill(pid, syscall.SIGCONT)
	waitFor(t, "the shell to resume", func() bool { return lines() > before+2 })

	syscall.Kill(pid, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "signaled(SIGTERM)") {
			t.Errorf("tracer: %v, output:\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("tracer did not end after the shell was killed; output:\n%s", out.String())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// procState is the state letter from /proc/PID/stat.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

// Bad input: a one-line error naming what was wrong, the documented exit
// code, no Go panic, nothing left running.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string // substring of stderr
	}{
		{"syntax error", []string{filepath.Join(testdata, "bad_syntax.lua")}, 1, "bad_syntax.lua:2: syntax error near '='"},
		{"missing script", []string{"no-such-script.lua"}, 1, "cannot open no-such-script.lua: no such file or directory"},
		{"no script", nil, 2, "no script given"},
		{"unknown option", []string{"--bogus"}, 2, "unknown option --bogus"},
		{"-e without code", []string{"-e"}, 2, "-e needs an argument"},
		{"unknown syscall", []string{"-e", `Seccomp.new({default="allow"}, function(r) r:trace("conect", 0) end)`}, 1, `(command line):1: bad argument #2 to trace (unknown syscall "conect" (did you mean connect?))`},
		{"missing default", []string{"-e", `Seccomp.new({})`}, 1, "missing option 'default'"},
		{"bad action", []string{"-e", `Seccomp.new({default="alow"})`}, 1, `unknown action "alow"`},
		{"bad action table", []string{"-e", `Seccomp.new({default={"errno"}})`}, 1, "bad errno (a nil value"},
		{"ud out of range", []string{"-e", `Seccomp.new({default="allow"}):trace("connect", 70000)`}, 1, "trace data 70000 out of range 0..65535"},
		{"negative ud", []string{"-e", `Seccomp.new({default="allow"}):trace("connect", -1)`}, 1, "out of range 0..65535"},
		{"errno out of range", []string{"-e", `Seccomp.new({default="allow"}):errno(5000, "connect")`}, 1, "errno 5000 out of range"},
		{"unknown errno name", []string{"-e", `Seccomp.new({default="allow"}):errno("EFOO", "connect")`}, 1, "EFOO"},
		{"condition index 0", []string{"-e", `Seccomp.arg(0, "==", 1)`}, 1, "condition argument index 0 out of range 1..6"},
		{"condition index 7", []string{"-e", `Seccomp.arg(7, "==", 1)`}, 1, "condition argument index 7 out of range 1..6"},
		{"bad op", []string{"-e", `Seccomp.arg(1, "=~", 1)`}, 1, `"=~"`},
		{"unknown syscall number", []string{"-e", `Seccomp.syscall_to_name(99999)`}, 1, "unknown syscall number 99999"},
		{"load outside fork", []string{"-e", `Seccomp.new({default="allow"}):load()`}, 1, "ctx:load() outside a Process.fork block"},
		{"trace a non-child", []string{"-e", `Seccomp.start_trace(1, function() end)`}, 1, "pid 1 is not a Process.fork child"},
		{"bad signal", []string{"-e", `Process.kill("FOO", 1)`}, 1, `unknown signal "FOO"`},
		{"error after a trace", []string{"-e", `local p = Process.fork(function() exec("/bin/sh", "-c", "true") end) Seccomp.start_trace(p, function() end) error("after")`}, 1, "(command line):1: after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, "", nil, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", r.code, c.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
				t.Errorf("Go panic:\n%s", r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("error is %d lines, want one:\n%s", n+1, r.stderr)
			}
		})
	}
}

// on_return asked for again at the call's exit is a script error that says
// why (a callback error: traceback, tree killed, exit 1).
func TestOnReturnAtExit(t *testing.T) {
	r := cli(t, "", nil, "", "-e", `local p = Process.fork(function() Seccomp.new({default="allow"}, function(r) r:trace("getppid", 0) end):load() exec("/bin/sh", "-c", "echo $PPID") end)
Seccomp.start_trace(p, function(nr, pid, ud, call) call:on_return(function(ret, c) c:on_return(print) end) end)`)
	if want := "(command line):2: on_return: the call is already at its exit"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant it to contain %q", r.code, r.stderr, want)
	}
}

// exec of a missing program: the child reports it and exits 127.
func TestExecMissing(t *testing.T) {
	for _, prog := range []string{"/no/such/file", "no-such-command-xyz"} {
		r := cli(t, "", nil, "", "-e", fmt.Sprintf(`local p = Process.fork(function() exec(%q) end) local pid, st = Process.waitpid(p) print(st:exitstatus())`, prog))
		if r.code != 0 || r.stdout != "127\n" || !strings.Contains(r.stderr, "exec: "+prog+": no such file or directory") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", prog, r.code, r.stdout, r.stderr)
		}
	}
}

// A callback that raises: the traceback goes to stderr, the traced tree is
// killed (a sleeping child included), start_trace raises, exit 1.
func TestCallbackError(t *testing.T) {
	script := `
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("mkdir", 0) end)
  ctx:load()
  exec("/bin/sh", "-c", "sleep 30 & mkdir /tmp/never-made-$$; wait")
end)
Seccomp.start_trace(pid, function(nr, pid, ud)
  error("refusing " .. Seccomp.syscall_to_name(nr))
end)
print("not reached")`
	start := time.Now()
	r := cli(t, "", nil, "", "-e", script)
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	for _, want := range []string{"(command line):8: refusing mkdir", "stack traceback:", "start_trace: (command line):8: refusing mkdir (the traced processes were killed)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("took %v: the sleeping child was not killed", time.Since(start))
	}
	r = cli(t, "", nil, "", "-e", strings.Replace(script, `error("refusing " .. Seccomp.syscall_to_name(nr))`, `return "maybe"`, 1))
	if r.code != 1 || !strings.Contains(r.stderr, `callback for mkdir returned an unknown decision "maybe"`) {
		t.Errorf("bad decision: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
