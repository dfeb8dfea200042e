package hostile

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

// attack runs test/hostile/c/hostile.c MODE ARGS under `run` with the
// policies in pols (each a -p argument), as u, and returns its stdout.
func attack(t *testing.T, u hostiletest.User, env []string, pols []string, mode string, args ...string) hostiletest.Result {
	t.Helper()
	s := hostiletest.S()
	if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
		t.Skipf("%s is not reachable by uid 65534", s.Dir)
	}
	bin := s.BuildC(t, "hostile", "test/hostile/c/hostile.c")
	argv := []string{"run"}
	for _, p := range pols {
		argv = append(argv, "-p", p)
	}
	argv = append(append(argv, "--", bin, mode), args...)
	return s.Run(t, hostiletest.Opts{User: u, Env: env}, argv...)
}

// nothingEscaped fails the test unless the run ended normally, printed
// every wanted line, and no attempt worked.
func nothingEscaped(t *testing.T, r hostiletest.Result, want ...string) {
	t.Helper()
	if r.Code != 0 || !strings.HasSuffix(r.Stdout, "done\n") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, l := range strings.Split(r.Stdout, "\n") {
		if strings.HasPrefix(l, "ESCAPED") || strings.HasPrefix(l, "FAILED") {
			t.Errorf("%s\nstdout:\n%s", l, r.Stdout)
		}
	}
	for _, w := range want {
		if !strings.Contains(r.Stdout, w+"\n") {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", w, r.Stdout, r.Stderr)
		}
	}
}

func denyMkdir(t *testing.T) string {
	return hostiletest.S().Copy(t, "test/hostile/testdata/deny-mkdir.lua")
}

// The tracer is out of reach: a tracee cannot write its memory, seize it,
// or take its descriptors, and the policy still decides afterwards. For a
// root tracee /proc/TRACER/mem is closed by the Landlock domain that
// scopes ptrace (root keeps CAP_SYS_PTRACE); for uid 65534 by the
// tracer's PR_SET_DUMPABLE 0; the syscalls by the ptrace guard.
func TestTracerOutOfReach(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		dir := hostiletest.S().Scratch(t, u)
		r := attack(t, u, nil, []string{denyMkdir(t)}, "tracer", dir)
		nothingEscaped(t, r,
			"refused open /proc/TRACER/mem: Permission denied",
			"refused process_vm_writev TRACER: Operation not permitted",
			"refused PTRACE_SEIZE TRACER: Operation not permitted",
			"refused PTRACE_ATTACH TRACER: Operation not permitted",
			"refused pidfd_getfd TRACER 0: Operation not permitted",
			"refused mkdir after the attack: Operation not permitted")
		if _, err := os.Stat(filepath.Join(dir, "after")); err == nil {
			t.Error("mkdir ran after the attack")
		}
		// Without Landlock the domain is missing: a root command would
		// keep CAP_SYS_PTRACE over the tracer, so run refuses (fail
		// closed); for other users dumpable 0 is enough.
		r = attack(t, u, []string{"SCTRACE_LUA_LANDLOCK_ABI=0"}, []string{denyMkdir(t)}, "tracer", dir)
		if u.Root() {
			if r.Code != 2 || !strings.Contains(r.Stderr, "runs as root, which keeps CAP_SYS_PTRACE over the tracer") || strings.Count(r.Stderr, "\n") != 1 {
				t.Errorf("root without Landlock: exit %d, stderr:\n%s", r.Code, r.Stderr)
			}
		} else {
			nothingEscaped(t, r, "refused open /proc/TRACER/mem: Permission denied", "refused mkdir after the attack: Operation not permitted")
		}
	})
}

// A plain script (no policy, no guards): an unprivileged tracee still
// cannot open the tracer's memory or seize it (the tracer is not
// dumpable); tracing, fork helpers and uid 65534 work with it.
func TestTracerNotDumpable(t *testing.T) {
	s := hostiletest.S()
	u := hostiletest.Nobody
	if os.Getuid() != 0 {
		u = hostiletest.User{Name: "self"}
	}
	if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
		t.Skipf("%s is not reachable by uid 65534", s.Dir)
	}
	bin := s.BuildC(t, "hostile", "test/hostile/c/hostile.c")
	dir := s.Scratch(t, u)
	script := filepath.Join(s.Dir, "plain.lua")
	hostiletest.WriteFile(t, hostiletest.User{}, script, `local cmd = {...}
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(r) r:trace("mkdir", 1) end):load()
  exec(unpack(cmd))
end)
Seccomp.start_trace(pid, function(nr, pid, ud, call) return {"errno", "EPERM"} end)
`, 0o644)
	r := s.Run(t, hostiletest.Opts{User: u}, script, bin, "tracer", dir)
	for _, w := range []string{"refused open /proc/TRACER/mem: Permission denied", "refused PTRACE_SEIZE TRACER: Operation not permitted",
		"refused process_vm_writev TRACER: Operation not permitted", "refused mkdir after the attack: Operation not permitted"} {
		if !strings.Contains(r.Stdout, w+"\n") {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", w, r.Stdout, r.Stderr)
		}
	}
}

// CLONE_UNTRACED + the parent as the child's tracer: the clone fails in
// the kernel, clone3 fails with ENOSYS, and a traced child cannot be
// seized by its parent; no mkdir runs.
func TestUntracedChild(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		dir := hostiletest.S().Scratch(t, u)
		r := attack(t, u, nil, []string{denyMkdir(t)}, "untraced", dir)
		nothingEscaped(t, r,
			"refused clone(CLONE_UNTRACED): Operation not permitted",
			"refused clone3(CLONE_UNTRACED): Function not implemented",
			"refused seizing the forked child: Operation not permitted",
			"refused mkdir in the forked child: Operation not permitted")
		for _, n := range []string{"untraced", "untraced3", "forked"} {
			if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
				t.Errorf("%s/%s was created", dir, n)
			}
		}
	})
}

// A tracee's own filter returning SECCOMP_RET_TRACE with user data 4242
// for mkdir: the stop is routed by syscall number, so the policy still
// refuses it.
func TestForgedUserData(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		dir := hostiletest.S().Scratch(t, u)
		r := attack(t, u, nil, []string{denyMkdir(t)}, "forged", dir)
		nothingEscaped(t, r, "ok own filter installed", "refused mkdir with forged user data: Operation not permitted")
		if _, err := os.Stat(filepath.Join(dir, "forged")); err == nil {
			t.Error("the mkdir with forged user data ran")
		}
	})
}

// protectedSetup makes DIR/ok (allowed) and DIR/prot/file (protected),
// owned by u so only the policy stands in the way.
func protectedSetup(t *testing.T, u hostiletest.User) (ok, prot string, p hostiletest.Protected) {
	dir := hostiletest.S().Scratch(t, u)
	ok, pd := filepath.Join(dir, "ok"), filepath.Join(dir, "prot")
	hostiletest.Mkdir(t, u, ok)
	hostiletest.Mkdir(t, u, pd)
	prot = filepath.Join(pd, "file")
	hostiletest.WriteFile(t, u, prot, "the original\n", 0o644)
	return ok, prot, hostiletest.Protect(prot, filepath.Join(pd, "new"))
}

// io_uring: under a policy that decides in the tracer, io_uring_setup
// fails (no stop would see the ring's operations); under readonly-fs
// (kernel-only) the ring works but Landlock checks its openat.
func TestIoUring(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		ok, prot, p := protectedSetup(t, u)
		r := attack(t, u, nil, []string{denyMkdir(t)}, "uring", prot)
		nothingEscaped(t, r, "io_uring_setup: Operation not permitted")
		r = attack(t, u, nil, []string{"readonly-fs:allow=" + ok}, "uring", prot)
		nothingEscaped(t, r, "refused io_uring openat for writing: Permission denied")
		p.Check(t)
	})
}

// readonly-fs against every way to reach a protected file: symlink, magic
// links, hard link, renames, exchange, truncate, unlink, chmod, chown,
// mknod, open_by_handle_at, a bind mount in a private mount namespace,
// relative paths inside (they work) and outside.
func TestReadonlyFS(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		ok, prot, p := protectedSetup(t, u)
		r := attack(t, u, nil, []string{"readonly-fs:allow=" + ok}, "fs", ok, prot)
		nothingEscaped(t, r,
			"ok relative create inside", "ok relative mkdir inside", "ok rename inside", "ok unlink and rmdir inside",
			"refused open the protected file for writing: Permission denied",
			"refused relative path outside: Permission denied",
			"refused create beside the protected file: Permission denied",
			"refused open through a symlink: Permission denied",
			"refused open /proc/self/fd/N for writing: Permission denied",
			"refused reopen an O_PATH fd for writing: Permission denied",
			"refused hard link into the allowed directory: Invalid cross-device link",
			"refused rename the protected file out: Permission denied",
			"refused rename over the protected file: Permission denied",
			"refused renameat2 RENAME_EXCHANGE: Permission denied",
			"refused truncate the protected file: Permission denied",
			"refused unlink the protected file: Permission denied",
			"refused chmod the protected file: Operation not permitted",
			"refused fchmod a read-only fd: Operation not permitted",
			"refused chown the protected file: Operation not permitted",
			"refused mknod a device inside: Permission denied",
		)
		if !strings.Contains(r.Stdout, "refused open_by_handle_at for writing: Operation not permitted\n") &&
			!strings.Contains(r.Stdout, "refused name_to_handle_at: ") {
			t.Errorf("open_by_handle_at not attempted:\n%s", r.Stdout)
		}
		if !strings.Contains(r.Stdout, "refused bind mount the protected directory inside: Operation not permitted\n") &&
			!strings.Contains(r.Stdout, "refused unshare: ") {
			t.Errorf("bind mount not attempted:\n%s", r.Stdout)
		}
		p.Check(t)
	})
}

// TOCTOU: a thread flips the path buffer between an allowed file and the
// protected one while the main thread opens it for writing, 10,000 times.
// Landlock decides on the inode the kernel resolved, so the protected file
// is never opened; the allowed one is (the race really runs).
func TestReadonlyFSRace(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		ok, prot, p := protectedSetup(t, u)
		r := attack(t, u, nil, []string{"readonly-fs:allow=" + ok}, "race", ok, prot, "10000")
		nothingEscaped(t, r, "refused racing open of the protected file: Permission denied")
		m := regexp.MustCompile(`race attempts 10000 inside (\d+) refused (\d+)`).FindStringSubmatch(r.Stdout)
		if m == nil {
			t.Fatalf("no race line:\n%s", r.Stdout)
		}
		inside, _ := strconv.Atoi(m[1])
		refused, _ := strconv.Atoi(m[2])
		if inside == 0 || refused == 0 {
			t.Errorf("the race did not run both ways (inside %d, refused %d)", inside, refused)
		}
		p.Check(t)
	})
}

// Fail closed: with the Landlock ABI capped below what readonly-fs needs,
// run refuses with one line; --best-effort runs and says what it dropped,
// and what it dropped is really not enforced (truncate(2) needs ABI 3).
func TestReadonlyFSFailClosed(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		ok, prot, _ := protectedSetup(t, u)
		s := hostiletest.S()
		r := s.Run(t, hostiletest.Opts{User: u, Env: []string{"SCTRACE_LUA_LANDLOCK_ABI=2"}}, "run", "-p", "readonly-fs:allow="+ok, "--", "/bin/true")
		want := "sctrace-lua run: policy readonly-fs needs Landlock ABI 5 (ioctl_dev); this kernel has ABI 2 (run with --best-effort to drop what it lacks)\n"
		if r.Code != 2 || r.Stderr != want {
			t.Errorf("exit %d, stderr %q, want %q", r.Code, r.Stderr, want)
		}
		r = attack(t, u, []string{"SCTRACE_LUA_LANDLOCK_ABI=2"}, []string{"readonly-fs:allow=" + ok}, "truncate", prot)
		if r.Code != 2 || r.Stderr != want {
			t.Errorf("exit %d, stderr %q, want %q", r.Code, r.Stderr, want)
		}
		r = s.Run(t, hostiletest.Opts{User: u, Env: []string{"SCTRACE_LUA_LANDLOCK_ABI=2"}}, "run", "--best-effort", "-p", "readonly-fs:allow="+ok, "--",
			s.BuildC(t, "hostile", "test/hostile/c/hostile.c"), "truncate", prot)
		if !strings.Contains(r.Stderr, "sctrace-lua run: --best-effort: policy readonly-fs: Landlock truncate, ioctl_dev not enforced (kernel ABI 2)\n") {
			t.Errorf("best effort: exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
		// what was dropped is really not enforced: truncate(2) works
		if b, _ := os.ReadFile(prot); r.Stdout != "ESCAPED truncate(2)\ndone\n" || len(b) != 0 {
			t.Errorf("best effort: stdout %q, file %q", r.Stdout, b)
		}
		// the real kernel enforces it
		hostiletest.WriteFile(t, u, prot, "the original\n", 0o644)
		nothingEscaped(t, attack(t, u, nil, []string{"readonly-fs:allow=" + ok}, "truncate", prot), "refused truncate(2): Permission denied")
	})
}

// limit-forks stays exact: 10,000 sequential short-lived children at
// max=2 all succeed (the parent and one child are alive at a time), though
// a child's exit is often reported before its fork returns.
func TestLimitForksExact(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		s := hostiletest.S()
		if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
			t.Skipf("%s is not reachable by uid 65534", s.Dir)
		}
		bin := s.BuildC(t, "forks", "test/hostile/c/forks.c")
		r := s.Run(t, hostiletest.Opts{User: u}, "run", "-p", "limit-forks:max=2", "--", bin, "10000")
		if r.Code != 0 || r.Stdout != "forked 10000 failed 0\n" || r.Stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", r.Code, r.Stdout, hostiletest.Tail(r.Stderr))
		}
		// and the limit still holds: two children at once are refused
		r = s.Run(t, hostiletest.Opts{User: u}, "run", "-p", "limit-forks:max=2", "--", "/bin/sh", "-c", "sleep 0.2 & sleep 0.2 & wait")
		if r.Code == 0 || !strings.Contains(r.Stderr, "limit-forks: clone refused") {
			t.Errorf("max=2 with two children: exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
	})
}
