// Package notify tests Seccomp.start_trace serving notify rules (issue
// 12) on real processes, as root and as uid 65534: no ptrace where none is
// needed, children, supervisor death, killed callers, many threads, and the
// race-free ADDFD open of scripts/notify-openat.lua against a thread that
// rewrites the path it passed. SCTRACE_LUA_STRESS=1 runs the big counts.
package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

func TestMain(m *testing.M) { hostiletest.Main(m) }

var stress = os.Getenv("SCTRACE_LUA_STRESS") == "1"

// each runs f per user, skipping uid 65534 when it cannot reach the suite.
func each(t *testing.T, f func(t *testing.T, u hostiletest.User)) {
	s := hostiletest.S()
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
			t.Skipf("%s is not reachable by uid 65534", s.Dir)
		}
		f(t, u)
	})
}

// script writes a Lua script into dir and returns its path.
func script(t *testing.T, u hostiletest.User, dir, name, src string) string {
	p := filepath.Join(dir, name)
	hostiletest.WriteFile(t, u, p, src, 0o644)
	return p
}

// mkdirScript forks CMD... under notify rules for mkdir and mkdirat; the
// callback prints "call KIND NAME PID UD PATH" and refuses with EROFS.
// stdout ends with "status STATUS".
const mkdirScript = `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec(unpack(arg))
end)
local st = Seccomp.start_trace(pid, function(sc, p, ud, call)
  local path = call:string(call.name == "mkdirat" and 2 or 1)
  print("call", call.kind, call.name, p, ud, path)
  return {"errno", "EROFS"}
end)
print("status", st:to_i())
`

var callLine = regexp.MustCompile(`(?m)^call\t(\S+)\t(\S+)\t(\d+)\t(\d+)\t(.*)$`)

// Notify rules alone: the child is never seized (TracerPid 0), and every
// descendant's call is served (the filter is inherited).
func TestNotifyOnlyNoPtraceAndChildren(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "mkdir.lua", mkdirScript)
		r := s.Run(t, hostiletest.Opts{User: u}, sc, "/bin/sh", "-c",
			`grep '^TracerPid:' /proc/self/status; mkdir `+d+`/a; (mkdir `+d+`/b); sh -c 'mkdir `+d+`/c'; exit 3`)
		if r.Code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
		if !strings.Contains(r.Stdout, "TracerPid:\t0\n") {
			t.Errorf("the command was ptraced:\n%s", r.Stdout)
		}
		calls := callLine.FindAllStringSubmatch(r.Stdout, -1)
		pids := map[string]bool{}
		var paths []string
		for _, c := range calls {
			if c[1] != "notify" || c[4] != "0" {
				t.Errorf("call kind %s ud %s, want notify 0", c[1], c[4])
			}
			pids[c[3]] = true
			paths = append(paths, c[5])
		}
		want := []string{d + "/a", d + "/b", d + "/c"}
		if fmt.Sprint(paths) != fmt.Sprint(want) {
			t.Errorf("paths %v, want %v\n%s", paths, want, r.Stdout)
		}
		if len(pids) != 3 {
			t.Errorf("calls from %d processes, want 3 (sh's subshell and sh -c each run their own mkdir)", len(pids))
		}
		for _, p := range want {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s was made despite EROFS", p)
			}
		}
		if !strings.Contains(r.Stdout, "status\t3\n") {
			t.Errorf("status line missing or wrong:\n%s", r.Stdout)
		}
		if strings.Count(r.Stderr, "Read-only file system") != 3 {
			t.Errorf("want 3 EROFS failures, stderr:\n%s", r.Stderr)
		}
	})
}

// Under a filter that makes ptrace fail with EPERM, a notify-only script
// still serves; one with a trace rule fails with one clear line.
func TestUnderNoPtraceFilter(t *testing.T) {
	s := hostiletest.S()
	noptrace := s.BuildC(t, "noptrace", "test/notify/c/noptrace.c")
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "mkdir.lua", mkdirScript)
		r := s.RunCmd(t, hostiletest.Opts{User: u}, noptrace, s.CLI, sc, "/bin/mkdir", d+"/x")
		if r.Code != 0 || len(callLine.FindAllString(r.Stdout, -1)) != 1 || !strings.Contains(r.Stdout, "status\t1\n") {
			t.Errorf("notify-only under the filter: exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
		traced := script(t, u, d, "trace.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx) ctx:trace("mkdirat", 1) ctx:notify("getppid") end):load()
  exec("/bin/true")
end)
local st = Seccomp.start_trace(pid, function() end)
print("status", st:to_i())
`)
		r = s.RunCmd(t, hostiletest.Opts{User: u}, noptrace, s.CLI, traced)
		lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
		if !strings.Contains(r.Stdout, "status\t127\n") || len(lines) != 1 ||
			!strings.Contains(lines[0], "trace rules need ptrace, which the supervisor cannot use here") ||
			!strings.Contains(lines[0], "operation not permitted") {
			t.Errorf("trace rules under the filter: exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// A supervisor that dies while a call is pending: the kernel answers it,
// and every later notified call, with ENOSYS; nothing stays blocked.
func TestSupervisorDeath(t *testing.T) {
	s := hostiletest.S()
	prog := s.BuildC(t, "enosys", "test/notify/c/enosys.c")
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		out := filepath.Join(d, "out")
		sc := script(t, u, d, "die.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec(unpack(arg))
end)
Seccomp.start_trace(pid, function()
  Process.kill("KILL", Process.pid())
end)
`)
		// the run ends when the orphaned program has written its result
		r := s.RunCmd(t, hostiletest.Opts{User: u, Timeout: 30 * time.Second}, "/bin/sh", "-c",
			`"$0" "$1" "$2" "$3" "$4"; echo "supervisor=$?"; while [ ! -e "$4" ]; do sleep 0.01; done; cat "$4"`,
			s.CLI, sc, prog, d, out)
		if !strings.Contains(r.Stdout, "supervisor=137\n") || !strings.Contains(r.Stdout, "a=ENOSYS b=ENOSYS\n") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
		}
	})
}

// A caller killed while its notification is pending: answering it is no
// error, start_trace returns the status.
func TestKilledWhilePending(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "kill.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/mkdir", arg[1])
end)
local n = 0
local st = Seccomp.start_trace(pid, function(sc, p)
  n = n + 1
  Process.kill("KILL", p)
  return {"errno", "EPERM"}
end)
print(n, st:signaled(), st:termsig())
`)
		r := s.Run(t, hostiletest.Opts{User: u}, sc, d+"/x")
		if r.Code != 0 || r.Stdout != "1\ttrue\t9\n" || r.Stderr != "" {
			t.Errorf("exit %d\nstdout: %q\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// "kill_all" without ptrace kills the tree (a background sleep included:
// the harness fails the test on any process left behind).
func TestKillAllNoPtrace(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "killall.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/sh", "-c", "sleep 60 & sleep 0.2; mkdir " .. arg[1] .. "; echo survived")
end)
local st = Seccomp.start_trace(pid, function() return "kill_all" end)
print(st:termsig())
`)
		r := s.Run(t, hostiletest.Opts{User: u, Timeout: 30 * time.Second}, sc, d+"/x")
		if r.Code != 0 || r.Stdout != "9\n" || r.Elapsed > 20*time.Second {
			t.Errorf("exit %d after %v\nstdout: %q\nstderr:\n%s", r.Code, r.Elapsed, r.Stdout, r.Stderr)
		}
	})
}

// Many threads notifying at once: every call is seen once and answered,
// served without ptrace and, with a trace rule as well, by the trace loop's
// thread between ptrace events.
func TestThreadsExactCounts(t *testing.T) {
	s := hostiletest.S()
	prog := s.BuildC(t, "threads", "test/notify/c/threads.c")
	n := 300
	if stress {
		n = 10000
	}
	for _, mode := range []string{"notify", "mixed"} {
		t.Run(mode, func(t *testing.T) { threads(t, prog, n, mode) })
	}
}

func threads(t *testing.T, prog string, n int, mode string) {
	s := hostiletest.S()
	trace := ""
	if mode == "mixed" {
		trace = `Seccomp.new({default = "allow"}, function(ctx) ctx:trace("uname", 0) end):load()`
	}
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "threads.lua", `
local pid = Process.fork(function()
  `+trace+`
  Seccomp.new({default = "allow"}, function(ctx) ctx:notify("getppid") end):load()
  exec(unpack(arg))
end)
local n = 0
local st = Seccomp.start_trace(pid, function(sc, p, ud, call)
  n = n + 1
  return {"retval", 4242}
end)
print("seen=" .. n, st:to_i())
`)
		r := s.Run(t, hostiletest.Opts{User: u, Timeout: 300 * time.Second}, sc, prog, "16", strconv.Itoa(n))
		want := fmt.Sprintf("calls=%d wrong=0\nseen=%d\t0\n", 16*n, 16*n)
		if r.Code != 0 || r.Stdout != want {
			t.Errorf("exit %d\nstdout: %q, want %q\nstderr:\n%s", r.Code, r.Stdout, want, r.Stderr)
		}
	})
}

var flipLine = regexp.MustCompile(`^ok=(\d+) secret=(\d+) failed=(\d+) other=(\d+)\n$`)

// The ADDFD open of scripts/notify-openat.lua against a thread rewriting
// the path buffer between an allowed file and a secret one, 10,000 opens:
// the program never gets the secret. The same attack on a policy that
// checks the path and answers CONTINUE gets it: the attack is real.
func TestOpenatRewrittenPath(t *testing.T) {
	s := hostiletest.S()
	prog := s.BuildC(t, "flip", "test/notify/c/flip.c", "-static")
	openat := s.Copy(t, "scripts/notify-openat.lua")
	const n = 10000
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		box := filepath.Join(d, "box")
		hostiletest.Mkdir(t, u, box)
		ok := filepath.Join(box, "okfile1234")
		secret := box + "/../secret1" // the same length
		hostiletest.WriteFile(t, u, ok, "OK\n", 0o644)
		hostiletest.WriteFile(t, u, filepath.Join(d, "secret1"), "SECRET\n", 0o644)

		r := s.Run(t, hostiletest.Opts{User: u, Timeout: 300 * time.Second}, openat, box, prog, ok, secret, strconv.Itoa(n))
		m := flipLine.FindStringSubmatch(r.Stdout)
		if r.Code != 0 || m == nil {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
		got := counts(m)
		if got[1] != 0 || got[3] != 0 || got[0] == 0 || got[0]+got[2] != n {
			t.Errorf("with ADDFD: %s", r.Stdout)
		}

		naive := script(t, u, d, "naive.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx) ctx:notify("openat") end):load()
  exec(unpack(arg))
end)
Seccomp.start_trace(pid, function(sc, p, ud, call)
  local path = call:string(2)
  if not path or path:find("secret") then return {"errno", "EACCES"} end
end)
`)
		r = s.Run(t, hostiletest.Opts{User: u, Timeout: 300 * time.Second}, naive, prog, ok, secret, strconv.Itoa(n))
		m = flipLine.FindStringSubmatch(r.Stdout)
		if r.Code != 0 || m == nil {
			t.Fatalf("naive: exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
		t.Logf("with ADDFD: %s  with CONTINUE: %s", strings.TrimSpace(flipLine.FindString(r.Stdout)), strings.TrimSpace(r.Stdout))
		if counts(m)[1] == 0 {
			t.Errorf("the attack never got the secret past the CONTINUE policy: %s (the test proves nothing)", r.Stdout)
		}
	})
}

func counts(m []string) [4]int {
	var c [4]int
	for i := range c {
		c[i], _ = strconv.Atoi(m[i+1])
	}
	return c
}

// The listener handed to another process (Seccomp.sendfd/recvfd) is served
// there with the same callback API; the supervisor only waits for the
// child.
func TestRemoteListener(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sock := filepath.Join(d, "sock")
		approver := script(t, u, d, "approver.lua", `
local fd = assert(Seccomp.recvfd(arg[1]))
local n = 0
Seccomp.serve(fd, function(sc, pid, ud, call)
  n = n + 1
  print("approver", call.kind, ud, call:string(call.name == "mkdirat" and 2 or 1))
  return {"errno", "EROFS"}
end)
print("served", n)
`)
		handoff := script(t, u, d, "handoff.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/sh", "-c", "mkdir " .. arg[2] .. "/a; mkdir " .. arg[2] .. "/b")
end)
local st = Seccomp.start_trace(pid, function() error("the supervisor got a call") end,
  {on_listener = function(fd) return assert(Seccomp.sendfd(arg[1], fd)) end})
print("status", st:to_i())
`)
		// the approver in the background, the supervisor once its socket
		// is there; the run ends when both have
		r := s.RunCmd(t, hostiletest.Opts{User: u, Timeout: 60 * time.Second}, "/bin/sh", "-c",
			`"$0" "$1" "$2" >"$4/approver.out" 2>&1 & a=$!
			while [ ! -S "$2" ]; do sleep 0.01; done
			"$0" "$3" "$2" "$4"; wait $a; echo "approver=$?"; cat "$4/approver.out"`,
			s.CLI, approver, sock, handoff, d)
		want := fmt.Sprintf("status\t1\napprover=0\napprover\tnotify\t0\t%s/a\tfalse\napprover\tnotify\t0\t%s/b\tfalse\nserved\t2\n", d, d)
		if r.Code != 0 || r.Stdout != want || strings.Count(r.Stderr, "Read-only file system") != 2 {
			t.Errorf("exit %d\nstdout: %q\nwant:   %q\nstderr:\n%s", r.Code, r.Stdout, want, r.Stderr)
		}
	})
}

// Trace and notify rules in one child, the trace context loaded first (its
// guard against a second listener must not refuse ours): one callback
// gets both kinds; set_arg raises on a notified call.
func TestMixedTraceThenNotify(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "mixed.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx) ctx:trace("uname", 7) end):load()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/sh", "-c", "uname >/dev/null; mkdir " .. arg[1] .. "; grep -c '^TracerPid:[[:space:]]*0$' /proc/self/status")
end)
local st = Seccomp.start_trace(pid, function(sc, p, ud, call)
  print(call.kind, call.name, ud)
  if call.kind == "notify" then
    print(pcall(call.set_arg, call, 1, 0))
    return {"errno", "EROFS"}
  end
end)
print("status", st:to_i())
`)
		r := s.Run(t, hostiletest.Opts{User: u}, sc, d+"/x")
		lines := strings.Split(r.Stdout, "\n")
		ok := len(lines) == 6 && lines[0] == "trace\tuname\t7" && strings.HasPrefix(lines[1], "notify\tmkdir") &&
			strings.HasSuffix(lines[1], "\t0") && strings.HasPrefix(lines[2], "false\t") &&
			strings.Contains(lines[2], "set_arg: not available on a notified call") &&
			lines[3] == "0" && lines[4] == "status\t1"
		if r.Code != 0 || !ok || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// A callback that fails (here: runs past its time limit) on a notified
// call kills the tree and raises; the call does not stay pending and
// nothing is left behind (the harness checks).
func TestFailingCallbackKillsTree(t *testing.T) {
	s := hostiletest.S()
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "stuck.lua", `
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/sh", "-c", "sleep 60 & mkdir " .. arg[1] .. "; echo survived")
end)
Seccomp.start_trace(pid, function() while true do end end, {timeout = 0.3})
`)
		r := s.Run(t, hostiletest.Opts{User: u, Timeout: 30 * time.Second}, sc, d+"/x")
		if r.Code == 0 || strings.Contains(r.Stdout, "survived") ||
			!strings.Contains(r.Stderr, "callback timed out after 300ms") ||
			!strings.Contains(r.Stderr, "(the traced processes were killed)") || r.Elapsed > 20*time.Second {
			t.Errorf("exit %d after %v\nstdout: %q\nstderr:\n%s", r.Code, r.Elapsed, r.Stdout, r.Stderr)
		}
	})
}

// The child exits while a background process of its tree goes on making
// notified calls: its exit is reported (on_exit, with its status) while
// the loop waits (in the listener's receive, or in a traced child in
// wait4), and the late calls are still served; start_trace returns once
// the last task of the filter is gone.
func TestRootExitsFirst(t *testing.T) {
	for _, mode := range []string{"notify", "mixed"} {
		t.Run(mode, func(t *testing.T) { rootExitsFirst(t, mode) })
	}
}

func rootExitsFirst(t *testing.T, mode string) {
	s := hostiletest.S()
	trace := ""
	if mode == "mixed" {
		trace = `Seccomp.new({default = "allow"}, function(ctx) ctx:trace("uname", 0) end):load()`
	}
	each(t, func(t *testing.T, u hostiletest.User) {
		d := s.Scratch(t, u)
		sc := script(t, u, d, "late.lua", `
local pid = Process.fork(function()
  `+trace+`
  Seccomp.new({default = "allow"}, function(ctx)
    if pcall(Seccomp.syscall_to_i, "mkdir") then ctx:notify("mkdir") end
    ctx:notify("mkdirat")
  end):load()
  exec("/bin/sh", "-c", "(sleep 0.3; mkdir " .. arg[1] .. "/late) & exit 5")
end)
local exits, late = 0, 0
local st = Seccomp.start_trace(pid, function(sc, p, ud, call)
  if p ~= pid then late = late + 1 end
  return {"errno", "EROFS"}
end, {on_exit = function(p, st) exits = exits + 1; print("exit", p == pid, st:to_i()) end})
print("exits", exits, "late", late, "status", st:to_i())
`)
		r := s.Run(t, hostiletest.Opts{User: u, Timeout: 60 * time.Second}, sc, d)
		want := "exit\ttrue\t5\nexits\t1\tlate\t1\tstatus\t5\n"
		if mode == "mixed" {
			// traced: every process's exit is seen, the sleep's (0) and
			// then the subshell's, which exec'd mkdir (1: EROFS)
			want = "exit\ttrue\t5\nexit\tfalse\t0\nexit\tfalse\t1\nexits\t3\tlate\t1\tstatus\t5\n"
		}
		if r.Code != 0 || r.Stdout != want || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("exit %d\nstdout: %q\nwant:   %q\nstderr:\n%s", r.Code, r.Stdout, want, r.Stderr)
		}
		if _, err := os.Stat(d + "/late"); err == nil {
			t.Errorf("%s/late was made despite EROFS", d)
		}
	})
}
