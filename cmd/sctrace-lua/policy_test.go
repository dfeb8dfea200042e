package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The call object: strings, bytes, sockaddrs (IPv4, IPv6, unix), fds,
// unreadable memory, errno/retval decisions, set_arg, on_return, staleness.
func TestCallObject(t *testing.T) {
	needBash(t)
	dir := t.TempDir()
	port, _ := listener(t)
	v6 := "v4"
	if ln6, err := net.Listen("tcp", fmt.Sprintf("[::1]:%d", port)); err == nil {
		defer ln6.Close()
		go func() {
			for {
				c, err := ln6.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		v6 = "v6"
	}
	_, pyErr := exec.LookPath("python3")
	if ul, err := net.Listen("unix", filepath.Join(dir, "sock")); err == nil {
		defer ul.Close()
	}
	r := cli(t, "", nil, "", filepath.Join(testdata, "call_object.lua"), dir, fmt.Sprint(port), v6)
	want := []string{
		"string\t" + dir + "/s\t3\ttrue",
		"bytes\t" + dir[:4],
		"args\ttrue\t83\ttrue\ttrue\t0",
		"fd_path\t/dev/null\t1\t3",
		"fd_path\t(stdout)\t1\t4",
		"out",
		fmt.Sprintf("sockaddr\tinet\t127.0.0.1\ttrue\t127.0.0.1:%d", port),
	}
	if v6 == "v6" {
		want = append(want, fmt.Sprintf("sockaddr\tinet6\t::1\ttrue\t[::1]:%d", port))
	}
	if pyErr == nil {
		want = append(want, "sockaddr\tunix\ttrue\ttrue")
	}
	want = append(want,
		"unreadable\tnil\ttrue",
		"mkdir returned\t0\tmkdir",
		"rmdir=1",
		"ppid=4242",
		"real ppid is the tracer's\ttrue\texited(0)",
		"ppid=777",
		"stale\tfalse\t"+filepath.Join(testdata, "call_object.lua")+":72: call object of getppid used outside its callback (it is valid only while the callback runs)",
		"stale fields still readable\tgetppid",
	)
	if got := strings.TrimSpace(r.stdout); got != strings.Join(want, "\n") || r.code != 0 {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s\nstderr:\n%s", r.code, got, strings.Join(want, "\n"), r.stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "mode"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("set_arg did not change mkdir's mode: %v %v", st, err)
	}
	if !strings.Contains(r.stderr, "/u’: Bad address") && !strings.Contains(r.stderr, "/u': Bad address") {
		t.Errorf("EFAULT not seen by mkdir; stderr:\n%s", r.stderr)
	}
}

// count-connect-kill with N=3 against a command that tries 10 connects:
// exactly 3 reach the listener, the command ends killed, nothing is left.
func TestCountConnectKill(t *testing.T) {
	needBash(t)
	port, accepted := listener(t)
	r := cli(t, "", nil, "", filepath.Join(scriptsDir, "count-connect-kill.lua"), "3", "bash", "-c",
		fmt.Sprintf(`for i in $(seq 10); do (exec 3<>/dev/tcp/127.0.0.1/%d); done; sleep 30`, port))
	if r.code != 137 {
		t.Errorf("exit %d, want 137 (killed); stderr:\n%s", r.code, r.stderr)
	}
	if got := accepted(); got != 3 {
		t.Errorf("listener accepted %d connections, want 3", got)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 || !strings.Contains(lines[3], "connect #4") || !strings.Contains(lines[3], "killing the tree") ||
		!strings.HasPrefix(lines[4], "3 connects allowed of 4 tried; #<Process::Status: pid=") || !strings.HasSuffix(lines[4], "signaled(SIGKILL)>") {
		t.Errorf("output:\n%s", r.stdout)
	}
	for i := 0; i < 3; i++ {
		if want := fmt.Sprintf("connect #%d to 127.0.0.1:%d (inet)", i+1, port); !strings.Contains(lines[i], want) {
			t.Errorf("line %d %q lacks %q", i, lines[i], want)
		}
	}
}

// Every family a program may connect with is printed, none breaks the
// callback: a netlink socket, AF_UNSPEC (dissolving a UDP association, as
// getaddrinfo does), IPv6.
func TestCountConnectKillAnyFamily(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	prog := `import socket, ctypes
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("127.0.0.1", 9))
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); n.connect((0, 0))
print(ctypes.CDLL(None).connect(s.fileno(), ctypes.create_string_buffer(16), 16))
`
	r := cli(t, "", nil, "", filepath.Join(scriptsDir, "count-connect-kill.lua"), "10", "python3", "-c", prog)
	got := regexp.MustCompile(`(?m)^\[\d+\] `).ReplaceAllString(r.stdout, "")
	got = regexp.MustCompile(`pid=\d+,`).ReplaceAllString(got, "pid=PID,")
	want := `connect #1 to 127.0.0.1:9 (inet)
connect #2 to netlink pid=0 groups=0x0 (netlink)
connect #3 to unspec (unspec)
0
3 connects allowed of 3 tried; #<Process::Status: pid=PID,exited(0)>
`
	if r.code != 0 || got != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, got, want, r.stderr)
	}
}

func writePolicy(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunPolicies(t *testing.T) {
	needBash(t)
	dir := t.TempDir()
	port, accepted := listener(t)
	// deny-network allowing only 127.0.0.1: a connect to 127.0.0.2 (still
	// loopback for the kernel, so nothing can leave the machine) is refused.
	r := cli(t, "", nil, "", "run", "-p", "deny-network:allow=127.0.0.1/32", "-p", "log-exec", "-o", filepath.Join(dir, "log"), "--",
		"bash", "-c", fmt.Sprintf(`(exec 3<>/dev/tcp/127.0.0.2/%[1]d) 2>/dev/null; echo denied=$?; (exec 3<>/dev/tcp/127.0.0.1/%[1]d); echo allowed=$?; exit 3`, port))
	if r.code != 3 || r.stdout != "denied=1\nallowed=0\n" {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if accepted() != 1 {
		t.Errorf("listener accepted %d, want 1", accepted())
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	for _, want := range []string{"deny-network: connect to 127.0.0.2:", "log-exec: [", `execve("`, `["bash", "-c", "(exec 3<>`, `]) = 0`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	// readonly-fs: writes outside the allow-list fail (Landlock: EACCES),
	// inside work, relative paths included.
	os.Mkdir(filepath.Join(dir, "ok"), 0o755)
	r = cli(t, "", nil, "", "run", "-p", "readonly-fs:allow="+dir+"/ok", "--", "bash", "-c",
		fmt.Sprintf(`cd %[1]s/ok; echo a > f && echo inside; echo b > %[1]s/no 2>/dev/null || echo outside=$?; echo c > ../no2 2>/dev/null || echo relative-outside=$?; cat f`, dir))
	if r.code != 0 || r.stdout != "inside\noutside=1\nrelative-outside=1\na\n" {
		t.Errorf("readonly-fs: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"no", "no2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("readonly-fs let %s/%s be created", dir, f)
		}
	}
	r = cli(t, "", nil, "", "run", "-p", "readonly-fs:allow="+dir+"/missing", "--", "true")
	if r.code != 2 || !strings.Contains(r.stderr, "readonly-fs: option allow: "+dir+"/missing does not exist") {
		t.Errorf("readonly-fs, missing allow entry: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// limit-forks: with max=2 the shell and one child may live at a time;
	// dash gives up at the first failed fork (bash would retry).
	r = cli(t, "", nil, "", "run", "-p", "limit-forks:max=2", "--", "sh", "-c", `sleep 0.3 & sleep 0.3 & wait; echo done`)
	if r.code != 2 || !strings.Contains(r.stderr, "limit-forks: clone refused") || !strings.Contains(r.stderr, "Cannot fork") || r.stdout != "" {
		t.Errorf("limit-forks max=2: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, "", nil, "", "run", "-p", "limit-forks:max=3", "--", "sh", "-c", `sleep 0.3 & sleep 0.3 & wait; echo done`)
	if r.code != 0 || r.stdout != "done\n" || r.stderr != "" {
		t.Errorf("limit-forks max=3: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// exit status: a signal N gives 128+N.
	r = cli(t, "", nil, "", "run", "-p", "log-exec", "--", "sh", "-c", "kill -TERM $$")
	if r.code != 143 {
		t.Errorf("killed by SIGTERM: exit %d, want 143", r.code)
	}
}

func TestPolicyComposition(t *testing.T) {
	dir := t.TempDir()
	a := writePolicy(t, dir, "deny-mkdir", `return {description = "mkdir fails", rules = function(r) r:errno("EPERM", "mkdir") end}`)
	b := writePolicy(t, dir, "trap-mkdir", `return {description = "mkdir traps", rules = function(r) r:kill("mkdir") end}`)
	c := writePolicy(t, dir, "first", `return {description = "first", rules = function(r) r:trace("mkdir", 1) end,
		on_syscall = function(call, opts) io.stderr:write("first saw ", call.name, "\n") end}`)
	d := writePolicy(t, dir, "second", `return {description = "second", options = {e = "EXDEV"}, rules = function(r) r:trace("mkdir", 2) end,
		on_syscall = function(call, opts) io.stderr:write("second saw ", call.name, "\n") return {"errno", opts.e} end}`)
	e := writePolicy(t, dir, "third", `return {description = "third", rules = function(r) r:trace("mkdir", 3) end,
		on_syscall = function(call) io.stderr:write("third saw ", call.name, "\n") end}`)
	r := cli(t, "", nil, "", "run", "-p", a, "-p", b, "--", "true")
	if r.code != 2 || !strings.Contains(r.stderr, "policies "+a+" and "+b+" conflict:") {
		t.Errorf("conflict: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = cli(t, "", nil, "", "run", "-p", c, "-p", d+":e=EACCES", "-p", e, "--", "mkdir", filepath.Join(dir, "x"))
	if r.code != 1 || !strings.Contains(r.stderr, "first saw mkdir\nsecond saw mkdir\nmkdir: cannot create directory") ||
		strings.Contains(r.stderr, "third saw") || !strings.Contains(r.stderr, "Permission denied") {
		t.Errorf("order/first decision wins: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// require finds the shipped policies from any directory with only the
// binary.
func TestRequireEmbedded(t *testing.T) {
	exe, _ := filepath.Abs(os.Args[0])
	cmd := exec.Command(exe, "-e", `print(require("policies.deny-network").description, require("sctrace.policy").parse_spec("x:a=1"))`)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "connect/bind/sendto to non-loopback addresses fail with EACCES\tx\ttable: "+string(out[len(out)-15:]) && !strings.HasPrefix(string(out), "connect/bind/sendto to non-loopback addresses fail with EACCES\tx\ttable: ") {
		t.Errorf("%v: %s", err, out)
	}
	// SCTRACE_LUA_PATH is searched before the shipped scripts.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	writePolicy(t, filepath.Join(dir, "policies"), "deny-network", `return {description = "mine", rules = function() end}`)
	cmd = exec.Command(exe, "-e", `print(require("policies.deny-network").description)`)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), cliEnv+"=1", "SCTRACE_LUA_PATH="+dir)
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "mine\n" {
		t.Errorf("SCTRACE_LUA_PATH: %v: %s", err, out)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	notTable := writePolicy(t, dir, "number", `return 42`)
	noRules := writePolicy(t, dir, "norules", `return {description = "x"}`)
	badAction := writePolicy(t, dir, "badaction", `return {description = "x", rules = function(r) r:trace("mkdir", 0) end,
		on_syscall = function() return "explode" end}`)
	badSyscall := writePolicy(t, dir, "badsc", `return {description = "x",
		rules = function(r) r:trace("mkdri", 0) end}`)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown policy", []string{"run", "-p", "no-such-policy", "--", "true"}, 2, `unknown policy "no-such-policy"`},
		{"bad option syntax", []string{"run", "-p", "limit-forks:max", "--", "true"}, 2, "unknown policy \"limit-forks:max\""},
		{"bad option value", []string{"run", "-p", "limit-forks:max=lots", "--", "true"}, 2, `option max expects a number, got "lots"`},
		{"unknown option", []string{"run", "-p", "limit-forks:min=1", "--", "true"}, 2, `policy limit-forks has no option "min" (options: max)`},
		{"wrong shape", []string{"run", "-p", notTable, "--", "true"}, 2, "the module returned a number; expected a table"},
		{"no rules", []string{"run", "-p", noRules, "--", "true"}, 2, "field 'rules' must be a function"},
		{"bad syscall in policy", []string{"run", "-p", badSyscall, "--", "true"}, 2, "badsc.lua:2: rule:trace: unknown syscall \"mkdri\" (did you mean mkdir?)"},
		{"no policy", []string{"run", "--", "true"}, 2, "no policy given"},
		{"no command", []string{"run", "-p", "log-exec"}, 2, "no command given"},
		{"unknown run option", []string{"run", "-x"}, 2, "unknown option -x"},
		{"missing command", []string{"run", "-p", "log-exec", "--", "no-such-command-xyz"}, 127, "exec: no-such-command-xyz: no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, "", nil, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", r.code, c.code, r.stderr, c.want)
			}
		})
	}
	r := cli(t, "", nil, "", "run", "-p", badAction, "--", "mkdir", filepath.Join(dir, "y"))
	if r.code != 1 || !strings.Contains(r.stderr, `callback for mkdir returned an unknown decision "explode"`) {
		t.Errorf("unknown decision: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
