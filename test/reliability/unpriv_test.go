package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The core of the suite as uid 65534 (no CAP_SYS_PTRACE): seccomp plus
// ptrace of one's own children needs no privilege.
func TestUnprivileged(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("already unprivileged: the whole suite runs as this user")
	}
	for d := work; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o005 != 0o005 {
			t.Skipf("%s is not reachable by uid 65534", d)
		}
		if d == "/" {
			break
		}
	}
	nobody := opts{cred: &syscall.Credential{Uid: 65534, Gid: 65534}}
	t.Run("whoami", func(t *testing.T) {
		r := cliOpts(t, nobody, "-e", `local p = Process.fork(function() exec("/bin/sh", "-c", "id -u") end) Process.waitpid(p)`)
		if r.stdout != "65534\n" {
			t.Fatalf("not running as uid 65534: %q %s", r.stdout, r.stderr)
		}
	})
	t.Run("threads", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "--", loadBin, "threads", "8", "2000")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		checkThreads(t, parseCounts(t, r.stdout), 8, 2000)
	})
	t.Run("storm", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "--", loadBin, "storm", "3", "4", "5")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		checkStorm(t, parseCounts(t, r.stdout), stormSize([]int{3, 4, 5}))
	})
	t.Run("exec from a thread", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "trace=getppid,execve", "--", loadBin, "execthread")
		c := parseCounts(t, r.stdout)
		if r.code != 0 || len(c.other["after"]) != 1 || len(c.exits) != 1 || !strings.HasSuffix(c.root, ",exited(0)>") {
			t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("tracer killed", func(t *testing.T) {
		needC(t)
		p := startCLI(t, nobody, script("count.lua"), "pending=1", "--", loadBin, "spin", "4")
		p.waitLines("proc", 5)
		syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
		if r := p.wait(20 * time.Second); r.code != 128+9 {
			t.Errorf("exit %d", r.code)
		}
	})
	t.Run("tracee killed at its stop", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "kill_at=5", "--", loadBin, "storm", "3", "3")
		c := parseCounts(t, r.stdout)
		if r.code != 0 || len(c.killing) != 1 || len(c.exits[c.killing[0]]) != 1 || !strings.HasSuffix(c.exits[c.killing[0]][0], "signaled(SIGKILL)>") {
			t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
		}
	})
	t.Run("callback raises", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "raise_at=10", "--", loadBin, "storm", "3", "4", "-s", "30")
		if r.code != 1 || !strings.Contains(r.stderr, "raised at stop 10") || r.elapsed > 15*time.Second {
			t.Errorf("exit %d after %v, stderr:\n%s", r.code, r.elapsed, r.stderr)
		}
	})
	t.Run("untraced children", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("untraced.lua"), loadBin)
		if r.code != 0 || !strings.Contains(r.stdout, "c\t11,12,13,14,15,16,17,18,19,20\n") || !strings.Contains(r.stdout, "again\tnil\twaitpid -1: no child processes\n") {
			t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
	// Without CAP_SYS_PTRACE the tracer may not read the memory of a
	// tracee that made itself non-dumpable: the path is unreadable, the
	// reader says why, and the script's decision (EPERM) still applies.
	t.Run("non-dumpable tracee", func(t *testing.T) {
		needC(t)
		r, dir := escape2(t, nobody, "dumpable")
		if !strings.Contains(r.stdout, "dumpable: mkdir: Operation not permitted\n") || created(dir, "dumpable") {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		t.Logf("%s", strings.SplitN(r.stdout, "\n", 2)[0])
	})
	t.Run("bad input", func(t *testing.T) {
		n := 0
		for _, c := range badCases(t) {
			if c.unpriv {
				n++
				t.Run(c.name, func(t *testing.T) { checkBad(t, c, nobody) })
			}
		}
		t.Logf("%d bad inputs as uid 65534", n)
	})
	t.Run("exec counts", func(t *testing.T) {
		needC(t)
		r := cliOpts(t, nobody, script("count.lua"), "trace=getppid,execve", "--", loadBin, "execself", "20")
		c := parseCounts(t, r.stdout)
		if r.code != 0 || c.name["getppid"] != 21 || c.name["execve"] != 21 {
			t.Errorf("exit %d, %v", r.code, c.name)
		}
	})
}
