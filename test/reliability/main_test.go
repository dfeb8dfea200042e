// Package reliability proves that sctrace-lua loses no event, leaves no
// process behind and answers bad input clearly (issue 6). The tests run the
// real CLI, built once by TestMain, on C workloads (testdata/reliability/c)
// and Lua scripts (testdata/reliability/lua) that report their own counts.
//
// The default run stays small (well under a minute); SCTRACE_LUA_STRESS=1 or
// -tags stress runs the full sizes: 16 threads x 10,000 calls, 2,002-process
// fork storms, 1,000 self-execs.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

// markEnv tags every process a test starts (the environment is inherited
// by the fork helpers and the workloads), so leftovers can be found in /proc
// whoever their parent is now.
const markEnv = "SCTRACE_LUA_RELIABILITY_MARK"

var (
	// work is a world-readable temp dir with the CLI binary, the compiled
	// workloads and copies of the Lua scripts, so uid 65534 can run them.
	work    string
	sctrace string // the CLI binary
	loadBin string // testdata/reliability/c/load.c, "" without gcc
	escBin  string // testdata/reliability/c/escape2.c
	luaDir  string // copies of testdata/reliability/lua
	ccErr   string // why the C workloads are missing

	stress = os.Getenv("SCTRACE_LUA_STRESS") == "1"
)

var repoRoot = filepath.Join("..", "..")

func TestMain(m *testing.M) {
	testenv.Umask() // before setup: it builds what uid 65534 runs
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability setup:", err)
		os.Exit(1)
	}
	if code == 0 {
		// After setup: its go build needs the real HOME's caches.
		code = testenv.Run(m)
	}
	// Nothing may outlive the suite: any child of ours still alive is a
	// process some test left behind.
	if left := orphans(nil, true); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "processes left behind by the suite:\n%s\n", strings.Join(left, "\n"))
		code = 1
	}
	os.RemoveAll(work)
	os.Exit(code)
}

func setup() (int, error) {
	if stressTag {
		stress = true
	}
	// Orphans of the tests are reparented to this process instead of init,
	// so every leftover descendant, zombies included, is visible (and
	// reaped) here.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("PR_SET_CHILD_SUBREAPER: %w", err)
	}
	var err error
	work, err = os.MkdirTemp("", "sctrace-lua-reliability")
	if err != nil {
		return 0, err
	}
	os.Chmod(work, 0o755)
	sctrace = filepath.Join(work, "sctrace-lua")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goTool = p
	}
	build := exec.Command(goTool, "build", "-o", sctrace, "./cmd/sctrace-lua")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build ./cmd/sctrace-lua: %v\n%s", err, out)
	}
	luaDir = filepath.Join(work, "lua")
	os.Mkdir(luaDir, 0o755)
	src := filepath.Join(repoRoot, "testdata", "reliability", "lua")
	ents, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(luaDir, e.Name()), b, 0o644); err != nil {
			return 0, err
		}
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		ccErr = "gcc not installed"
		return 0, nil
	}
	for _, p := range []struct {
		name string
		out  *string
	}{{"load", &loadBin}, {"escape2", &escBin}} {
		bin := filepath.Join(work, p.name)
		c := filepath.Join(repoRoot, "testdata", "reliability", "c", p.name+".c")
		if out, err := exec.Command(cc, "-O2", "-Wall", "-o", bin, c, "-lpthread").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("building %s: %v\n%s", c, err, out)
		}
		*p.out = bin
	}
	return 0, nil
}

func needC(t *testing.T) {
	t.Helper()
	if loadBin == "" {
		t.Skip(ccErr)
	}
}

// knownBug skips a test that fails because of a product bug the lead must
// fix; SCTRACE_LUA_KNOWN_BUGS=1 runs it anyway (to check a fix).
func knownBug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("SCTRACE_LUA_KNOWN_BUGS") != "1" {
		t.Skip("known bug: " + what)
	}
}

func script(name string) string { return filepath.Join(luaDir, name) }

// size picks the default or the stress figure.
func size(def, full int) int {
	if stress {
		return full
	}
	return def
}

type result struct {
	stdout, stderr string
	code           int // exit code, or 128+N when killed by signal N
	elapsed        time.Duration
}

type opts struct {
	cred    *syscall.Credential // run as (nil: as is)
	timeout time.Duration       // 0: 60 s (stress: 10 min)
	stdin   string
}

var markSeq atomic.Int64

func newMark() string { return fmt.Sprintf("%d-%d", os.Getpid(), markSeq.Add(1)) }

func (o opts) command(ctx context.Context, mark string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, sctrace, args...)
	cmd.Env = append(os.Environ(), markEnv+"="+mark)
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(o.stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A leftover holding stdout must not keep the run waiting until it
	// ends by itself: stop reading shortly after the CLI exits, so the
	// leftover check below still finds it alive.
	cmd.WaitDelay = 300 * time.Millisecond
	if o.cred != nil {
		cmd.SysProcAttr.Credential = o.cred
	}
	return cmd
}

func (o opts) limit() time.Duration {
	if o.timeout > 0 {
		return o.timeout
	}
	if stress {
		return 10 * time.Minute
	}
	return 60 * time.Second
}

// cli runs the CLI to its end and fails the test if any process it started
// is left afterwards (running, stopped, or a zombie nobody reaps).
func cli(t *testing.T, args ...string) result { t.Helper(); return cliOpts(t, opts{}, args...) }

func cliOpts(t *testing.T, o opts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), o.limit())
	defer cancel()
	mark := newMark()
	cmd := o.command(ctx, mark, args)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	r.code = exitCode(cmd, err)
	if ctx.Err() != nil {
		killMarked(mark)
		t.Fatalf("%q timed out after %v; stdout:\n%s\nstderr:\n%s", args, o.limit(), tail(r.stdout), tail(r.stderr))
	}
	if r.code == -1 {
		t.Fatalf("running %q: %v", args, err)
	}
	assertNoLeftovers(t, mark)
	checkNoPanic(t, r.stderr)
	return r
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return -1
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func checkNoPanic(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic:") || strings.Contains(stderr, "fatal error:") {
		t.Errorf("Go panic or fatal error in stderr:\n%s", tail(stderr))
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// proc is a CLI run in the background whose stdout is read line by line.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	mark  string
	mu    sync.Mutex
	lines []string
	more  chan struct{} // a line arrived or stdout closed
	errb  bytes.Buffer
	done  chan struct{}
	code  int
	start time.Time
}

// startCLI starts the CLI in its own process group; stop it with wait.
func startCLI(t *testing.T, o opts, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, mark: newMark(), more: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = o.command(context.Background(), p.mark, args)
	p.cmd.Stderr = &p.errb
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = w
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		err := p.cmd.Wait()
		p.code = exitCode(p.cmd, err)
		// a leftover holding stdout must not hide behind the reader
		select {
		case <-read:
		case <-time.After(300 * time.Millisecond):
			r.Close()
			<-read
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
			killMarked(p.mark)
		}
	})
	return p
}

// linesWith returns the fields of every stdout line starting with prefix.
func (p *proc) linesWith(prefix string) [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]string
	for _, l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, strings.Fields(l))
		}
	}
	return out
}

func (p *proc) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// waitLines waits until n stdout lines start with prefix.
func (p *proc) waitLines(prefix string, n int) [][]string {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if l := p.linesWith(prefix); len(l) >= n {
			return l
		}
		select {
		case <-p.more:
		case <-p.done:
			if l := p.linesWith(prefix); len(l) >= n {
				return l
			}
			p.t.Fatalf("the CLI ended (exit %d) before %d %q lines; stdout:\n%s\nstderr:\n%s", p.code, n, prefix, tail(p.stdout()), tail(p.errb.String()))
		case <-deadline:
			p.t.Fatalf("timed out waiting for %d %q lines; stdout:\n%s", n, prefix, tail(p.stdout()))
		}
	}
}

// wait waits for the CLI to end, then checks nothing is left.
func (p *proc) wait(limit time.Duration) result {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-p.done
		killMarked(p.mark)
		p.t.Fatalf("the CLI did not end within %v; stdout:\n%s\nstderr:\n%s", limit, tail(p.stdout()), tail(p.errb.String()))
	}
	r := result{stdout: p.stdout(), stderr: p.errb.String(), code: p.code, elapsed: time.Since(p.start)}
	assertNoLeftovers(p.t, p.mark)
	checkNoPanic(p.t, r.stderr)
	return r
}

func orphans(busy map[int]bool, kill bool) []string { return testenv.Orphans(busy, kill) }

// assertNoLeftovers fails if any process of the run is still there after
// the kernel's grace period (testenv.Mark.AssertNoLeftovers), and kills it.
func assertNoLeftovers(t *testing.T, mark string) {
	t.Helper()
	testenv.Mark{Key: markEnv, Value: mark}.AssertNoLeftovers(t)
}

func killMarked(mark string) { testenv.Mark{Key: markEnv, Value: mark}.Kill() }

func procState(pid int) string { return testenv.ProcState(pid) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// counts parses count.lua's output.
type counts struct {
	tid, pid map[int]int
	name     map[string]int
	exits    map[int][]string // pid → statuses reported by on_exit
	killing  []int
	root     string
	total    int
	elapsed  float64
	other    map[string][][]string // workload lines by first word
}

func parseCounts(t *testing.T, out string) counts {
	t.Helper()
	c := counts{tid: map[int]int{}, pid: map[int]int{}, name: map[string]int{}, exits: map[int][]string{}, other: map[string][][]string{}}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		num := func(i int) int {
			n, err := strconv.Atoi(f[i])
			if err != nil {
				t.Fatalf("bad line %q", line)
			}
			return n
		}
		switch {
		case f[0] == "tid" && len(f) == 3:
			c.tid[num(1)] += num(2)
		case f[0] == "pid" && len(f) == 3:
			c.pid[num(1)] += num(2)
		case f[0] == "name" && len(f) == 3:
			c.name[f[1]] += num(2)
		case f[0] == "exit" && len(f) >= 3:
			c.exits[num(1)] = append(c.exits[num(1)], strings.Join(f[2:], " "))
		case f[0] == "killing" && len(f) == 2:
			c.killing = append(c.killing, num(1))
		case f[0] == "root":
			c.root = strings.Join(f[1:], " ")
		case f[0] == "total" && len(f) == 2:
			c.total = num(1)
		case f[0] == "elapsed" && len(f) == 2:
			c.elapsed, _ = strconv.ParseFloat(f[1], 64)
		default:
			c.other[f[0]] = append(c.other[f[0]], f)
		}
	}
	return c
}

func status(pid int, how string) string {
	return fmt.Sprintf("#<Process::Status: pid=%d,%s>", pid, how)
}
