package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runningShell starts `sh -c script` as a process this test did not fork
// directly (its parent shell exits), waits until it wrote dir/ready and
// returns its pid; it is killed when the test ends.
func runningShell(t *testing.T, cred *syscall.Credential, dir, script string) int {
	t.Helper()
	c := exec.Command("/bin/sh", "-c", "/bin/sh -c 'echo > "+dir+"/ready; "+script+"' </dev/null >/dev/null 2>&1 & echo $!")
	if cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := c.Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the shell never started")
	return 0
}

func tracerPid(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Seccomp.attach traces a process the script did not start: the callback
// sees its calls with the call object, decisions apply (three opens fail
// with EACCES: the shell's log says so), and "detach" lets it run on.
func TestSeccompAttach(t *testing.T) { testSeccompAttach(t, nil, "") }

// The same as uid 65534, attaching to its own process.
func TestSeccompAttachUnprivileged(t *testing.T) {
	exe := nobodyExe(t)
	testSeccompAttach(t, &syscall.Credential{Uid: 65534, Gid: 65534}, exe)
}

func testSeccompAttach(t *testing.T, cred *syscall.Credential, exe string) {
	dir := t.TempDir()
	if cred != nil { // t.TempDir's parent is private to root
		d, err := os.MkdirTemp("", "sctrace-lua-attach")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		os.Chmod(d, 0o777)
		dir = d
	}
	log := filepath.Join(dir, "log")
	pid := runningShell(t, cred, dir, "while :; do if read x < /etc/hostname; then echo ok; else echo fail; fi >> "+log+"; done")
	script := `
local n = 0
local st = Seccomp.attach(` + strconv.Itoa(pid) + `, function(nr, pid, ud, call)
  if call.name == "openat" and call:string(2) == "/etc/hostname" then
    n = n + 1
    if n <= 3 then return {"errno", "EACCES"} end
    if n == 10 then return "detach" end
  end
end)
print(n, next(st) == nil)`
	r := cli(t, "", cred, exe, "-e", script)
	if r.code != 0 || r.stdout != "10\ttrue\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if tp := tracerPid(pid); tp != "0" {
		t.Errorf("after detach, TracerPid %q", tp)
	}
	b, _ := os.ReadFile(log)
	if c := strings.Count(string(b), "fail"); c != 3 || !strings.Contains(string(b), "fail\nfail\nfail\nok\n") {
		t.Errorf("the shell's log has %d fails, want three in a row", c)
	}
}

// Misuse: a bad pid argument, a pid that does not exist, our own pid.
func TestSeccompAttachErrors(t *testing.T) {
	for _, c := range []struct{ code, want string }{
		{`Seccomp.attach("x", print)`, "a pid or a list of pids expected"},
		{`Seccomp.attach({}, print)`, "no pid to attach to"},
		{`Seccomp.attach(-3, print)`, "-3 is not a process id"},
		{`Seccomp.attach(4194000, print)`, "attach 4194000: no such process"},
		{`Seccomp.attach(Process.pid(), print)`, "cannot attach to the tracer itself"},
		{`local p = Process.fork(function() end) Seccomp.attach(p, print)`, "a Process.fork child is traced with Seccomp.start_trace"},
	} {
		r := cli(t, "", nil, "", "-e", c.code)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 && !strings.Contains(r.stderr, "traceback") {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.code, r.code, r.stderr, c.want)
		}
	}
}
