package reliability

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// atoi parses a workload field; a malformed line fails the test.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

// checkThreads compares count.lua's per-thread counts with the "thread TID
// N" lines the workload printed: same threads, same counts, nothing else.
func checkThreads(t *testing.T, c counts, threads, per int) (pid int) {
	t.Helper()
	starts := c.other["start"]
	if len(starts) != 1 {
		t.Fatalf("want one start line, got %v", starts)
	}
	pid = atoi(t, starts[0][1])
	lines := c.other["thread"]
	if len(lines) != threads {
		t.Fatalf("workload reported %d threads, want %d", len(lines), threads)
	}
	seen := map[int]bool{}
	for _, f := range lines {
		tid, made := atoi(t, f[1]), atoi(t, f[2])
		seen[tid] = true
		if made != per {
			t.Errorf("thread %d made %d calls, want %d", tid, made, per)
		}
		if c.tid[tid] != made {
			t.Errorf("thread %d: tracer counted %d calls, the workload made %d", tid, c.tid[tid], made)
		}
	}
	for tid, n := range c.tid {
		if !seen[tid] {
			t.Errorf("tracer counted %d calls for tid %d, which the workload does not know", n, tid)
		}
	}
	if c.total != threads*per || c.pid[pid] != threads*per || len(c.pid) != 1 {
		t.Errorf("total %d, per process %v; want %d, all in %d", c.total, c.pid, threads*per, pid)
	}
	if want := status(pid, "exited(0)"); c.root != want {
		t.Errorf("root status %q, want %q", c.root, want)
	}
	if len(c.exits) != 1 || len(c.exits[pid]) != 1 || c.exits[pid][0] != status(pid, "exited(0)") {
		t.Errorf("on_exit reports %v, want one exit of %d", c.exits, pid)
	}
	return pid
}

// 16 threads make traced calls at once: each call reaches the callback
// exactly once, attributed to the right thread.
func TestLoadThreads(t *testing.T) {
	needC(t)
	threads, per := 16, size(2000, 10000)
	runs := size(2, 3)
	best := 0.0
	for i := 0; i < runs; i++ {
		r := cli(t, script("count.lua"), "--", loadBin, "threads", fmt.Sprint(threads), fmt.Sprint(per))
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
		}
		c := parseCounts(t, r.stdout)
		checkThreads(t, c, threads, per)
		rate := float64(c.total) / c.elapsed
		if rate > best {
			best = rate
		}
		t.Logf("run %d: %d threads x %d calls = %d events in %.3fs inside start_trace (%.0f events/s), %v wall", i+1, threads, per, c.total, c.elapsed, rate, r.elapsed.Round(time.Millisecond))
	}
	t.Logf("FIGURE threads: %d x %d traced calls, exact per thread, best %.0f events/s", threads, per, best)
}

// stormSize is the number of processes of a fork tree with these fan-outs.
func stormSize(fan []int) int {
	n, level := 1, 1
	for _, f := range fan {
		level *= f
		n += level
	}
	return n
}

// A fork storm 4 levels deep: every process is seen, makes exactly one
// traced call, and its exit is reported exactly once.
func TestLoadForkStorm(t *testing.T) {
	needC(t)
	fan := []int{3, 4, 5, 6}
	if stress {
		fan = []int{3, 6, 10, 10}
	}
	want := stormSize(fan)
	args := []string{script("count.lua"), "--", loadBin, "storm"}
	for _, f := range fan {
		args = append(args, fmt.Sprint(f))
	}
	for i := 0; i < size(2, 5); i++ {
		r := cli(t, args...)
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
		}
		c := parseCounts(t, r.stdout)
		checkStorm(t, c, want)
		t.Logf("run %d: %d processes, %d traced calls, %d exits in %.3fs (%.0f processes/s)", i+1, want, c.total, len(c.exits), c.elapsed, float64(want)/c.elapsed)
	}
	t.Logf("FIGURE storm: %d processes per run, 4 levels deep (fan-out %v), every pid seen once, every exit reported", want, fan)
}

func checkStorm(t *testing.T, c counts, want int) {
	t.Helper()
	procs := c.other["proc"]
	if len(procs) != want {
		t.Errorf("the workload reports %d processes, want %d", len(procs), want)
	}
	seen := map[int]bool{}
	for _, f := range procs {
		pid := atoi(t, f[1])
		if seen[pid] {
			t.Errorf("pid %d reported twice by the workload", pid)
		}
		seen[pid] = true
		if c.pid[pid] != 1 {
			t.Errorf("pid %d: %d traced calls seen, want 1", pid, c.pid[pid])
		}
		if ex := c.exits[pid]; len(ex) != 1 || ex[0] != status(pid, "exited(0)") {
			t.Errorf("pid %d: exits reported %v, want one exited(0)", pid, ex)
		}
	}
	for pid := range c.pid {
		if !seen[pid] {
			t.Errorf("traced call from pid %d, which the workload never reported", pid)
		}
	}
	for pid := range c.exits {
		if !seen[pid] {
			t.Errorf("exit reported for pid %d, which the workload never reported", pid)
		}
	}
	if c.total != want || !strings.HasSuffix(c.root, ",exited(0)>") {
		t.Errorf("total %d (want %d), root %q", c.total, want, c.root)
	}
	if len(procs) > 0 {
		if root := atoi(t, procs[0][1]); c.root != status(root, "exited(0)") {
			t.Errorf("root status %q, want %q", c.root, status(root, "exited(0)"))
		}
	}
}

// execve from a thread that is not the leader: the thread takes over the
// leader's pid; nothing hangs, each call is counted once and in the right
// thread, the call's on_return follows the pid switch, and a single exit is
// reported. "busy": the leader is making traced calls when the exec comes.
func TestLoadExecFromThread(t *testing.T) {
	needC(t)
	for _, mode := range []string{"execthread", "execthread-busy"} {
		t.Run(mode, func(t *testing.T) {
			for i := 0; i < size(5, 50); i++ {
				r := cli(t, script("count.lua"), "trace=getppid,execve", "exec_ret=1", "--", loadBin, mode)
				if r.code != 0 {
					t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
				}
				c := parseCounts(t, r.stdout)
				before, thread, after := c.other["before"], c.other["thread"], c.other["after"]
				if len(before) != 1 || len(thread) != 1 || len(after) != 1 {
					t.Fatalf("workload lines: before %v thread %v after %v\n%s", before, thread, after, r.stdout)
				}
				pid, tid := atoi(t, before[0][1]), atoi(t, thread[0][1])
				if after[0][1] != before[0][1] || after[0][2] != before[0][1] {
					t.Errorf("after exec: %v, want pid %d kept", after[0], pid)
				}
				// the thread: its getppid and its execve; the leader: the
				// helper's execve, "before" and "after" (busy: more).
				if c.tid[tid] != 2 {
					t.Errorf("thread %d: %d stops, want 2 (getppid, execve)", tid, c.tid[tid])
				}
				if mode == "execthread" && c.tid[pid] != 3 || c.tid[pid] < 3 {
					t.Errorf("leader %d: %d stops, want 3", pid, c.tid[pid])
				}
				if c.name["execve"] != 2 {
					t.Errorf("%d execve stops, want 2 (the helper's and the thread's)", c.name["execve"])
				}
				rets := c.other["execve"]
				if len(rets) != 2 || strings.Join(rets[0], " ") != fmt.Sprintf("execve returned 0 in %d", pid) || strings.Join(rets[1], " ") != fmt.Sprintf("execve returned 0 in %d", pid) {
					t.Errorf("execve returns %v, want two \"execve returned 0 in %d\"", rets, pid)
				}
				if len(c.exits) != 1 || len(c.exits[pid]) != 1 || c.root != status(pid, "exited(0)") {
					t.Errorf("exits %v, root %q; want one exited(0) for %d", c.exits, c.root, pid)
				}
			}
		})
	}
}

// vfork + exec and posix_spawn (clone(CLONE_VM|CLONE_VFORK)): both
// children are followed from creation; exit codes are reported.
func TestLoadVfork(t *testing.T) {
	needC(t)
	for i := 0; i < size(3, 20); i++ {
		r := cli(t, script("count.lua"), "trace=getppid,execve", "--", loadBin, "vfork")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
		}
		c := parseCounts(t, r.stdout)
		vf, sp := c.other["vfork"], c.other["spawn"]
		if len(vf) != 1 || len(sp) != 1 || vf[0][2] != "3" || sp[0][2] != "3" {
			t.Fatalf("workload lines vfork %v spawn %v\n%s", vf, sp, r.stdout)
		}
		c1, c2 := atoi(t, vf[0][1]), atoi(t, sp[0][1])
		var root int
		for pid := range c.pid {
			if pid != c1 && pid != c2 {
				root = pid
			}
		}
		if len(c.pid) != 3 || c.pid[root] != 5 || c.pid[c1] != 2 || c.pid[c2] != 2 {
			t.Errorf("stops per process %v; want root 5 (helper execve + 4 getppid), children 2 (execve + getppid)", c.pid)
		}
		for pid, want := range map[int]string{root: "exited(0)", c1: "exited(3)", c2: "exited(3)"} {
			if ex := c.exits[pid]; len(ex) != 1 || ex[0] != status(pid, want) {
				t.Errorf("pid %d: exits %v, want %s", pid, ex, want)
			}
		}
		if len(c.exits) != 3 || c.root != status(root, "exited(0)") {
			t.Errorf("exits %v root %q", c.exits, c.root)
		}
	}
}

// A process that execs itself 100 times (1,000 under stress): one traced
// getppid per generation, one execve stop per exec, one pid, one exit.
func TestLoadExecSelf(t *testing.T) {
	needC(t)
	n := size(100, 1000)
	r := cli(t, script("count.lua"), "trace=getppid,execve", "--", loadBin, "execself", fmt.Sprint(n))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
	}
	c := parseCounts(t, r.stdout)
	gens := c.other["gen"]
	if len(gens) != n+1 {
		t.Fatalf("%d generations reported, want %d", len(gens), n+1)
	}
	pid := atoi(t, gens[0][2])
	for i, g := range gens {
		if g[1] != fmt.Sprint(n-i) || g[2] != fmt.Sprint(pid) {
			t.Fatalf("generation line %d: %v", i, g)
		}
	}
	if c.name["getppid"] != n+1 || c.name["execve"] != n+1 || len(c.pid) != 1 || c.pid[pid] != 2*(n+1) {
		t.Errorf("stops: %v, per pid %v; want %d getppid and %d execve (the helper's included) in %d", c.name, c.pid, n+1, n+1, pid)
	}
	if len(c.exits) != 1 || c.root != status(pid, "exited(0)") {
		t.Errorf("exits %v root %q", c.exits, c.root)
	}
	t.Logf("FIGURE execself: %d execs of one process in %.3fs", n, c.elapsed)
}

// Threads making traced calls while the process is stopped and continued
// from outside over and over, and while SIGCHLD floods both the tracer and
// the tracee: nothing lost, nothing doubled, the process ends normally.
func TestLoadJobControlAndSignalFlood(t *testing.T) {
	needC(t)
	threads, per := 4, size(5000, 20000)
	p := startCLI(t, opts{}, script("count.lua"), "--", loadBin, "threads", fmt.Sprint(threads), fmt.Sprint(per))
	pid := atoi(t, p.waitLines("start", 1)[0][1])
	tracer := p.cmd.Process.Pid
	stops, floods := 0, 0
	for i := 0; i < 20; i++ {
		if syscall.Kill(pid, syscall.SIGSTOP) != nil {
			break
		}
		stopped := false
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if s := procState(pid); s == "t" || s == "T" || s == "" || s == "Z" {
				stopped = s == "t" || s == "T"
				break
			}
		}
		if stopped {
			stops++
		}
		time.Sleep(5 * time.Millisecond)
		syscall.Kill(pid, syscall.SIGCONT)
		for j := 0; j < 100; j++ {
			if syscall.Kill(tracer, syscall.SIGCHLD) == nil {
				floods++
			}
			if syscall.Kill(pid, syscall.SIGCHLD) == nil {
				floods++
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := p.wait(2 * time.Minute)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
	}
	checkThreads(t, parseCounts(t, r.stdout), threads, per)
	if stops == 0 {
		t.Errorf("the workload was never seen stopped")
	}
	t.Logf("%d stop/continue cycles seen stopped, %d SIGCHLDs sent", stops, floods)
}

// SIGCHLD storm inside the traced tree: children exit while the parent,
// catching SIGCHLD without SA_RESTART, makes traced calls.
func TestLoadSigchldStorm(t *testing.T) {
	needC(t)
	n, m := size(200, 2000), size(20000, 100000)
	r := cli(t, script("count.lua"), "--", loadBin, "chld", fmt.Sprint(n), fmt.Sprint(m))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, tail(r.stderr))
	}
	c := parseCounts(t, r.stdout)
	line := c.other["chld"]
	if len(line) != 1 || line[0][2] != fmt.Sprint(n) || line[0][4] != fmt.Sprint(n) || line[0][6] != "0" || line[0][8] != fmt.Sprint(m) {
		t.Fatalf("workload: %v", line)
	}
	if c.total != n+m || len(c.pid) != n+1 || len(c.exits) != n+1 {
		t.Errorf("total %d (want %d), %d processes with stops, %d exits (want %d)", c.total, n+m, len(c.pid), len(c.exits), n+1)
	}
	var counts []int
	for _, k := range c.pid {
		counts = append(counts, k)
	}
	sort.Ints(counts)
	if len(counts) > 0 && (counts[len(counts)-1] != m || counts[len(counts)-2] != 1) {
		t.Errorf("per-process stops: parent %d (want %d), children up to %d (want 1)", counts[len(counts)-1], m, counts[len(counts)-2])
	}
	for pid, ex := range c.exits {
		if len(ex) != 1 || ex[0] != status(pid, "exited(0)") {
			t.Errorf("pid %d exits %v", pid, ex)
		}
	}
	t.Logf("%s", strings.Join(line[0], " "))
}
