package reliability

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tracer dies mid-trace (SIGKILL, or SIGTERM/SIGHUP, which it does not
// catch): every tracee dies with it (PTRACE_O_EXITKILL), the Process.fork
// child it never released exits too, and nothing is left running, stopped or
// unreaped. Two workloads: a steady tree of 9 processes in traced loops, and
// a 2,002-process storm killed while processes are being created.
func TestFaultTracerKilled(t *testing.T) {
	needC(t)
	workloads := []struct {
		name  string
		args  []string
		procs int // "proc" lines to wait for before the kill
	}{
		{"spinning", []string{"spin", "8"}, 9},
		{"mid-storm", []string{"storm", "3", "6", "10", "10", "-s", "30"}, 100},
	}
	for _, w := range workloads {
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGHUP} {
			t.Run(w.name+"/"+sigName(sig), func(t *testing.T) {
				for i := 0; i < size(1, 10); i++ {
					tracerKilled(t, w.args, w.procs, sig)
				}
			})
		}
	}
}

func tracerKilled(t *testing.T, workload []string, n int, sig syscall.Signal) {
	t.Helper()
	args := append([]string{script("count.lua"), "pending=1", "--", loadBin}, workload...)
	p := startCLI(t, opts{}, args...)
	procs := p.waitLines("proc", n)
	syscall.Kill(p.cmd.Process.Pid, sig)
	r := p.wait(20 * time.Second) // fails if any tracee is left
	if r.code != 128+int(sig) {
		t.Errorf("tracer exit %d, want %d (killed by %v)", r.code, 128+int(sig), sig)
	}
	for _, f := range procs {
		if s := procState(atoi(t, f[1])); s != "" && s != "Z" {
			t.Errorf("tracee %s still there in state %s", f[1], s)
		}
	}
}

func sigName(sig syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGKILL: "KILL", syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP", syscall.SIGINT: "INT", syscall.SIGQUIT: "QUIT"}[sig]
}

// Ctrl-C (SIGINT, or SIGQUIT, to the whole foreground process group) while
// tracees that keep the default action run: they die of it, the trace ends
// with their statuses, nothing is left. (If the signal lands while a
// callback runs, the callback is interrupted instead: exit 1, tree killed;
// see TestFaultCtrlCDuringShortCallbacks.)
func TestFaultTracerInterrupted(t *testing.T) {
	needC(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sigName(sig), func(t *testing.T) {
			p := startCLI(t, opts{}, script("count.lua"), "--", loadBin, "spin", "3")
			procs := p.waitLines("proc", 4)
			syscall.Kill(-p.cmd.Process.Pid, sig) // the whole group: what Ctrl-C does
			r := p.wait(20 * time.Second)
			if r.code == 1 && strings.Contains(r.stderr, "interrupted by the terminal") {
				t.Logf("the signal interrupted a callback:\n%s", r.stderr)
				return
			}
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
			}
			c := parseCounts(t, r.stdout)
			how := fmt.Sprintf("signaled(%s)", "SIG"+sigName(sig))
			if len(c.exits) != len(procs) {
				t.Errorf("%d exits reported for %d processes: %v", len(c.exits), len(procs), c.exits)
			}
			for _, f := range procs {
				pid := atoi(t, f[1])
				if ex := c.exits[pid]; len(ex) != 1 || ex[0] != status(pid, how) {
					t.Errorf("pid %d: exits %v, want %s", pid, ex, how)
				}
			}
			if !strings.HasSuffix(c.root, ","+how+">") {
				t.Errorf("root %q, want %s", c.root, how)
			}
		})
	}
}

// README: "While tracing, the tracer ignores the terminal's SIGINT/SIGQUIT;
// the tracees receive them as they would without a tracer." A traced
// program that ignores SIGINT/SIGQUIT (an interactive shell, an editor)
// must survive Ctrl-C. But the callback guard cancels whatever callback is
// running when the signal arrives, however short, so under steady tracing
// Ctrl-C kills the whole traced tree at random.
func TestFaultCtrlCDuringShortCallbacks(t *testing.T) {
	needC(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sigName(sig), func(t *testing.T) {
			const n = 300000
			p := startCLI(t, opts{}, script("count.lua"), "--", loadBin, "loopign", fmt.Sprint(n))
			p.waitLines("ready", 1)
			for i := 0; i < 200; i++ {
				select {
				case <-p.done:
				default:
					syscall.Kill(-p.cmd.Process.Pid, sig)
					time.Sleep(2 * time.Millisecond)
				}
			}
			r := p.wait(60 * time.Second)
			c := parseCounts(t, r.stdout)
			if r.code != 0 || c.total != n || !strings.HasSuffix(c.root, ",exited(0)>") {
				t.Errorf("exit %d, %d of %d calls, root %q; stderr:\n%s", r.code, c.total, n, c.root, tail(r.stderr))
			}
		})
	}
}

// The callback SIGKILLs the process it is handling (Process.kill) and then
// returns nothing, "allow", an errno or a retval: the decision cannot be
// applied to a dead process, the trace goes on for the others, and the
// kill is reported as that process's status.
func TestFaultTraceeKilledAtStop(t *testing.T) {
	needC(t)
	for _, ret := range []string{"", "allow", "errno", "retval"} {
		name := ret
		if name == "" {
			name = "nothing"
		}
		t.Run("storm/"+name, func(t *testing.T) {
			r := cli(t, script("count.lua"), "kill_at=5", "kill_ret="+ret, "--", loadBin, "storm", "3", "3")
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
			}
			c := parseCounts(t, r.stdout)
			if len(c.killing) != 1 {
				t.Fatalf("killing lines %v", c.killing)
			}
			k := c.killing[0]
			if ex := c.exits[k]; len(ex) != 1 || ex[0] != status(k, "signaled(SIGKILL)") {
				t.Errorf("killed pid %d: exits %v", k, ex)
			}
			for _, f := range c.other["proc"] {
				pid := atoi(t, f[1])
				if len(c.exits[pid]) != 1 {
					t.Errorf("pid %d: exits %v, want exactly one", pid, c.exits[pid])
				}
			}
			for pid := range c.pid {
				if len(c.exits[pid]) != 1 {
					t.Errorf("pid %d made traced calls; exits %v, want exactly one", pid, c.exits[pid])
				}
			}
			// the killed process's parent sees a failed child: the root exits 1
			if !strings.HasSuffix(c.root, ",exited(1)>") {
				t.Errorf("root %q, want exited(1)", c.root)
			}
		})
	}
	t.Run("threads", func(t *testing.T) {
		const threads, killAt = 4, 1000
		r := cli(t, script("count.lua"), fmt.Sprint("kill_at=", killAt), "--", loadBin, "threads", fmt.Sprint(threads), "100000")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
		}
		c := parseCounts(t, r.stdout)
		if len(c.other["start"]) != 1 {
			t.Fatalf("no start line:\n%s", r.stdout)
		}
		pid := atoi(t, c.other["start"][0][1])
		if len(c.killing) != 1 || c.killing[0] != pid {
			t.Fatalf("killing %v, want %d", c.killing, pid)
		}
		if c.root != status(pid, "signaled(SIGKILL)") || len(c.exits) != 1 || len(c.exits[pid]) != 1 {
			t.Errorf("root %q exits %v", c.root, c.exits)
		}
		// threads already at a seccomp stop when the kill came may still
		// reach the callback; no more.
		if c.total < killAt || c.total > killAt+threads-1 {
			t.Errorf("%d stops, want %d..%d", c.total, killAt, killAt+threads-1)
		}
	})
}

// A tracee that blocks every signal and stops itself with SIGSTOP (which
// cannot be blocked) stays stopped, makes no progress, and runs on when
// SIGCONT comes from outside.
func TestFaultTraceeStopsItself(t *testing.T) {
	needC(t)
	p := startCLI(t, opts{}, script("count.lua"), "--", loadBin, "sigstop")
	pid := atoi(t, p.waitLines("stopping", 1)[0][1])
	waitFor(t, "the tracee to stop", func() bool { s := procState(pid); return s == "t" || s == "T" })
	time.Sleep(300 * time.Millisecond)
	if s := procState(pid); s != "t" && s != "T" {
		t.Fatalf("tracee left its stop by itself: state %q", s)
	}
	if l := p.linesWith("resumed"); len(l) != 0 {
		t.Fatalf("tracee ran on while stopped: %v", l)
	}
	syscall.Kill(pid, syscall.SIGCONT)
	r := p.wait(20 * time.Second)
	c := parseCounts(t, r.stdout)
	if r.code != 0 || len(c.other["resumed"]) != 1 || c.total != 2 || c.root != status(pid, "exited(0)") {
		t.Errorf("exit %d, resumed %v, %d stops, root %q\nstderr:\n%s", r.code, c.other["resumed"], c.total, c.root, r.stderr)
	}
}

// A callback that raises in a deep tree whose leaves sleep 30 s: the
// error names the script line, the whole tree is killed at once, exit 1.
func TestFaultCallbackRaisesInDeepTree(t *testing.T) {
	needC(t)
	fan := []string{"3", "4", "5", "6"}
	at := 100
	if stress {
		fan, at = []string{"3", "6", "10", "10"}, 1000
	}
	args := append([]string{script("count.lua"), fmt.Sprint("raise_at=", at), "--", loadBin, "storm"}, fan...)
	r := cli(t, append(args, "-s", "30")...)
	want := regexp.MustCompile(fmt.Sprintf(`count\.lua:\d+: start_trace: \S+count\.lua:\d+: raised at stop %d \(getppid of \d+\) \(the traced processes were killed\)`, at))
	if r.code != 1 || !want.MatchString(r.stderr) {
		t.Errorf("exit %d, stderr:\n%s\nwant it to match %s", r.code, tail(r.stderr), want)
	}
	if r.elapsed > 15*time.Second {
		t.Errorf("took %v: the sleeping tree was not killed", r.elapsed)
	}
	// each process prints its line after its traced call; the kill can
	// come between the two
	if n := strings.Count(r.stdout, "proc "); n < at/2 {
		t.Errorf("only %d processes started before the error", n)
	}
}

// Children the script starts but does not trace end during a trace; the
// trace loop's wait4(-1) collects them and keeps their statuses, so
// Process.waitpid and Process.wait hand each out exactly once.
func TestFaultUntracedChildStatusKept(t *testing.T) {
	needC(t)
	r := cli(t, script("untraced.lua"), loadBin)
	want := `released	1	10
done 40
traced	40	true
a	true	7
b	true	9
d	true	5
c	11,12,13,14,15,16,17,18,19,20
c pids	ok,ok,ok,ok,ok,ok,ok,ok,ok,ok
again	nil	waitpid -1: no child processes
`
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s…\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// The whole traced tree is SIGKILLed from outside (here: the callback kills
// the tree's process group) while it forks: processes die at every stage,
// some before the tracer has seen their creation. The trace must end with
// the root's status, and no traced process's status may be handed to the
// script as if it were one of its own children.
func TestFaultTreeKilledFromOutside(t *testing.T) {
	needC(t)
	for _, n := range []int{5, 50, 50, 50, 500, 1500} {
		r := cli(t, script("pgkill.lua"), loadBin, fmt.Sprint(n))
		r.stdout = regexp.MustCompile(`(?m)^proc \d+\n`).ReplaceAllString(r.stdout, "")
		if r.code != 0 || !strings.Contains(r.stdout, "signaled(SIGKILL)>") {
			t.Fatalf("n=%d: exit %d, stdout:\n%s\nstderr:\n%s", n, r.code, tail(r.stdout), tail(r.stderr))
		}
		if !strings.Contains(r.stdout, "\nseen-without-exit 0\n") {
			t.Errorf("n=%d: a process that made a traced call had no on_exit:\n%s", n, r.stdout)
		}
		if !strings.Contains(r.stdout, "\nwait\tnil\twaitpid -1: no child processes\n") {
			t.Errorf("n=%d: Process.wait() handed out a traced process's status:\n%s", n, r.stdout)
		}
	}
}

// A callback that never returns: Ctrl-C (SIGINT to the foreground group)
// interrupts it, kills the traced tree (a tracee in a long loop) and ends
// with an error naming the script line; so does --callback-timeout.
func TestFaultCallbackLoopsForever(t *testing.T) {
	needC(t)
	code := fmt.Sprintf(`local p = Process.fork(function()
  local c = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  c:load()
  exec(%q, "loop", "1000000", "1000")
end)
Seccomp.start_trace(p, function()
  io.stdout:write("looping\n")
  io.stdout:flush()
  while true do end
end)`, loadBin)
	p := startCLI(t, opts{}, "-e", code)
	p.waitLines("looping", 1)
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	r := p.wait(10 * time.Second)
	// the signal may land while the callback still flushes (line 8)
	if r.code != 1 || !regexp.MustCompile(`\(command line\):[89]: interrupted by the terminal \(SIGINT\)`).MatchString(r.stderr) ||
		!strings.Contains(r.stderr, "(the traced processes were killed)") {
		t.Errorf("Ctrl-C: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = cli(t, "--callback-timeout", "200ms", "-e", code)
	if r.code != 1 || !strings.Contains(r.stderr, "(command line):9: callback timed out after 200ms") ||
		!strings.Contains(r.stderr, "(the traced processes were killed)") || r.elapsed > 10*time.Second {
		t.Errorf("--callback-timeout: exit %d after %v, stderr:\n%s", r.code, r.elapsed, r.stderr)
	}
}

// The script prints while the tracees write to the same stdout: each
// line must arrive whole. gopher-lua's print writes its arguments and the
// newline in separate write(2)s, so tracee output lands inside the
// script's lines ("exit 123 #<Process::Status: …>proc 456").
func TestOutputLinesWhole(t *testing.T) {
	needC(t)
	code := fmt.Sprintf(`local p = Process.fork(function()
  local c = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  c:load()
  exec(%q, "storm", "3", "6", "10")
end)
Seccomp.start_trace(p, function() end, {on_exit = function(pid, st) print("exit", pid, st) end})`, loadBin)
	r := cli(t, "-e", code)
	bad := 0
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !regexp.MustCompile(`^(proc \d+|exit\t\d+\t#<Process::Status: pid=\d+,exited\(0\)>)$`).MatchString(l) {
			bad++
			if bad < 5 {
				t.Errorf("mangled line %q", l)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d mangled lines", bad)
	}
}
