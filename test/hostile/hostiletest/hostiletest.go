// Package hostiletest is the shared harness of the hostile-program suites
// (test/hostile and test/hostile/net): it builds the CLI and C attack
// programs into a world-readable workspace, runs the CLI as root or as uid
// 65534, checks that nothing a run started is left behind, and records the
// state of files an attack must not change.
//
// A suite calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { hostiletest.Main(m) }
//
// and reaches it with hostiletest.S(). Main makes the test process a child subreaper (so orphans of a run stay
// visible), builds ./cmd/sctrace-lua, runs the tests under test/testenv's
// hermetic environment, fails the suite if a process is left, and exits.
package hostiletest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

// markEnv tags every process a run starts (fork helpers and programs
// inherit the environment), so leftovers are found whoever their parent is.
const markEnv = "SCTRACE_LUA_HOSTILE_MARK"

// Suite is one test binary's workspace.
type Suite struct {
	// Dir is a world-readable (0755) temp directory holding the CLI and
	// the programs; Scratch makes per-test directories inside it.
	Dir string
	// CLI is the sctrace-lua binary built for the suite.
	CLI string
	// Root is the repository's top directory.
	Root string
	cc   string
}

// Main sets the suite up, runs m, checks for leftovers and exits.
func Main(m *testing.M) {
	testenv.Umask()
	s, err := setup()
	code := 0
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile suite setup:", err)
		code = 1
	} else {
		current = s
		code = testenv.Run(m)
	}
	if left := orphans(true); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "processes left behind by the suite:\n%s\n", strings.Join(left, "\n"))
		code = 1
	}
	if s != nil {
		os.RemoveAll(s.Dir)
	}
	os.Exit(code)
}

var current *Suite

// S returns the suite Main set up.
func S() *Suite { return current }

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if d == "/" {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

func setup() (*Suite, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("PR_SET_CHILD_SUBREAPER: %w", err)
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sctrace-lua-hostile")
	if err != nil {
		return nil, err
	}
	os.Chmod(dir, 0o755)
	s := &Suite{Dir: dir, Root: root, CLI: filepath.Join(dir, "sctrace-lua")}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goTool = p
	}
	build := exec.Command(goTool, "build", "-o", s.CLI, "./cmd/sctrace-lua")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("go build ./cmd/sctrace-lua: %v\n%s", err, out)
	}
	s.cc, _ = exec.LookPath("gcc")
	return s, nil
}

// BuildC compiles the C file src (relative to the repository root, or
// absolute) into the workspace as name and returns its path. The test is
// skipped without gcc. Programs are linked with -lpthread.
func (s *Suite) BuildC(t testing.TB, name, src string, flags ...string) string {
	t.Helper()
	if s.cc == "" {
		t.Skip("gcc not installed")
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(s.Root, src)
	}
	out := filepath.Join(s.Dir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	args := append([]string{"-O2", "-Wall", "-o", out, src}, flags...)
	args = append(args, "-lpthread")
	if b, err := exec.Command(s.cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", src, err, b)
	}
	return out
}

// Copy copies the file src (relative to the repository root, or absolute)
// into the workspace, readable by every user, and returns its path.
func (s *Suite) Copy(t testing.TB, src string) string {
	t.Helper()
	if !filepath.IsAbs(src) {
		src = filepath.Join(s.Root, src)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(s.Dir, filepath.Base(src))
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Scratch makes a fresh directory in the workspace that the user u can
// create entries in (mode 0755, owned by u), removed after the test.
func (s *Suite) Scratch(t testing.TB, u User) string {
	t.Helper()
	d, err := os.MkdirTemp(s.Dir, "scratch")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755)
	if u.Cred != nil {
		os.Chown(d, int(u.Cred.Uid), int(u.Cred.Gid))
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// User is who a run runs as.
type User struct {
	Name string              // "root", "nobody" or "self"
	Cred *syscall.Credential // nil: as the test process
}

// Root reports whether the run has uid 0.
func (u User) Root() bool {
	if u.Cred != nil {
		return u.Cred.Uid == 0
	}
	return os.Getuid() == 0
}

// Nobody is uid/gid 65534.
var Nobody = User{Name: "nobody", Cred: &syscall.Credential{Uid: 65534, Gid: 65534}}

// Users returns the users a hostile test runs as: root and uid 65534 when
// the suite runs as root, else only the current user.
func Users() []User {
	if os.Getuid() != 0 {
		return []User{{Name: "self"}}
	}
	return []User{{Name: "root"}, Nobody}
}

// ForEachUser runs f as a subtest per user of Users.
func ForEachUser(t *testing.T, f func(t *testing.T, u User)) {
	for _, u := range Users() {
		t.Run(u.Name, func(t *testing.T) { f(t, u) })
	}
}

// Result is a finished run.
type Result struct {
	Stdout, Stderr string
	Code           int // exit code, or 128+N when signal N killed it
	Elapsed        time.Duration
}

// Opts configure a run.
type Opts struct {
	User    User
	Env     []string      // added to the environment (KEY=VALUE)
	Unset   []string      // variables removed from the environment
	Dir     string        // working directory (default: the workspace)
	Timeout time.Duration // default 120 s
	Stdin   string
}

var markSeq atomic.Int64

// Run runs the CLI with args, fails the test on a timeout, a Go panic in
// stderr or a process left behind, and returns the result.
func (s *Suite) Run(t testing.TB, o Opts, args ...string) Result {
	t.Helper()
	return s.RunCmd(t, o, s.CLI, args...)
}

// RunCmd is Run for any program (a C program run directly, for a
// baseline).
func (s *Suite) RunCmd(t testing.TB, o Opts, prog string, args ...string) Result {
	t.Helper()
	limit := o.Timeout
	if limit == 0 {
		limit = 120 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	mark := fmt.Sprintf("%d-%d", os.Getpid(), markSeq.Add(1))
	cmd := exec.CommandContext(ctx, prog, args...)
	env := []string{}
	for _, kv := range os.Environ() {
		keep := true
		for _, u := range o.Unset {
			if strings.HasPrefix(kv, u+"=") {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	cmd.Env = append(append(env, o.Env...), markEnv+"="+mark)
	cmd.Dir = s.Dir
	if o.Dir != "" {
		cmd.Dir = o.Dir
	}
	cmd.Stdin = strings.NewReader(o.Stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: o.User.Cred}
	cmd.WaitDelay = 300 * time.Millisecond
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errb.String(), Elapsed: time.Since(start), Code: -1}
	if cmd.ProcessState != nil {
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		r.Code = ws.ExitStatus()
		if ws.Signaled() {
			r.Code = 128 + int(ws.Signal())
		}
	}
	if ctx.Err() != nil {
		killMarked(mark)
		t.Fatalf("%s %q timed out after %v; stdout:\n%s\nstderr:\n%s", prog, args, limit, Tail(r.Stdout), Tail(r.Stderr))
	}
	if r.Code == -1 {
		t.Fatalf("running %s %q: %v", prog, args, err)
	}
	AssertNoLeftovers(t, mark)
	if strings.Contains(r.Stderr, "goroutine ") || strings.Contains(r.Stderr, "panic:") || strings.Contains(r.Stderr, "fatal error:") {
		t.Errorf("Go panic or fatal error in stderr:\n%s", Tail(r.Stderr))
	}
	return r
}

// Tail is the end of a long output.
func Tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// ---- leftovers ----

func orphans(kill bool) []string { return testenv.Orphans(nil, kill) }

// AssertNoLeftovers fails the test if a process of the run marked mark is
// still there after a grace period (PTRACE_O_EXITKILL acts asynchronously),
// and kills what it finds.
func AssertNoLeftovers(t testing.TB, mark string) {
	t.Helper()
	testenv.Mark{Key: markEnv, Value: mark}.AssertNoLeftovers(t)
}

func killMarked(mark string) { testenv.Mark{Key: markEnv, Value: mark}.Kill() }

// ---- protected files ----

// FileState is what an attack on a protected file must not change: its
// content, inode, mode and owner, and its directory's entries.
type FileState struct {
	Path    string
	Exists  bool
	Sum     [32]byte
	Ino     uint64
	Mode    uint32
	UID     uint32
	Entries string // the parent directory's names, sorted by ReadDir
}

// Snapshot records path's state (a missing path is recorded as missing).
func Snapshot(path string) FileState {
	st := FileState{Path: path}
	var s unix.Stat_t
	if err := unix.Lstat(path, &s); err == nil {
		st.Exists, st.Ino, st.Mode, st.UID = true, s.Ino, s.Mode, s.Uid
		if s.Mode&unix.S_IFMT == unix.S_IFREG {
			b, _ := os.ReadFile(path)
			st.Sum = sha256.Sum256(b)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	st.Entries = strings.Join(names, "/")
	return st
}

// Protected is a set of files an attack must leave as they were.
type Protected []FileState

// Protect snapshots each path.
func Protect(paths ...string) Protected {
	var p Protected
	for _, path := range paths {
		p = append(p, Snapshot(path))
	}
	return p
}

// Check fails the test for every file whose state changed.
func (p Protected) Check(t testing.TB) {
	t.Helper()
	for _, before := range p {
		now := Snapshot(before.Path)
		switch {
		case now.Exists != before.Exists:
			t.Errorf("%s: existed %v, now %v", before.Path, before.Exists, now.Exists)
		case now.Ino != before.Ino:
			t.Errorf("%s: inode %d became %d (replaced)", before.Path, before.Ino, now.Ino)
		case now.Mode != before.Mode:
			t.Errorf("%s: mode %o became %o", before.Path, before.Mode, now.Mode)
		case now.UID != before.UID:
			t.Errorf("%s: owner %d became %d", before.Path, before.UID, now.UID)
		case now.Sum != before.Sum:
			t.Errorf("%s: content changed", before.Path)
		}
		if now.Entries != before.Entries {
			t.Errorf("%s: directory entries changed:\nbefore %s\nnow    %s", filepath.Dir(before.Path), before.Entries, now.Entries)
		}
	}
}

// WriteFile writes a file owned by u (so a same-uid attacker has every
// permission the kernel's DAC would give it: only the policy stands in the
// way).
func WriteFile(t testing.TB, u User, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
	if u.Cred != nil {
		os.Chown(path, int(u.Cred.Uid), int(u.Cred.Gid))
	}
}

// Mkdir makes a directory owned by u.
func Mkdir(t testing.TB, u User, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if u.Cred != nil {
		os.Chown(path, int(u.Cred.Uid), int(u.Cred.Gid))
	}
}

// Reachable reports whether every directory above dir is searchable by
// others (uid 65534 must reach the workspace).
func Reachable(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}
