// Package stracecompat compares `sctrace-lua trace` with the real strace on
// real programs (issue 11): ls, find, git, gcc, make, tar, sort, a shell
// pipeline, python with threads and a Go program each run under both, and
// the two logs must agree line for line once what differs from run to run
// (pids, addresses, random bytes, timing) is normalised.
package stracecompat

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

func TestMain(m *testing.M) { hostiletest.Main(m) }

// workload is one real program run under both tracers in a directory of its
// own, prepared by setup.
type workload struct {
	name  string
	setup func(t *testing.T, dir string)
	cmd   []string
	// floor is the share of strace's lines this workload must match.
	floor float64
}

// overallFloor is the share of all strace's lines trace must print alike.
// Issue 11 asks for 0.995; what stays different is timing (futex
// wake-ups, threads' start order, Go's sysmon) and data that changes
// between runs (git objects, random bytes).
const overallFloor = 0.995

func workloads(t *testing.T) []workload {
	return []workload{
		{name: "ls", cmd: []string{"ls", "-la", "/usr/lib/x86_64-linux-gnu/", "/etc"}},
		{name: "find", cmd: []string{"find", "/usr/share/doc", "-name", "*.gz"}},
		{name: "git-status", setup: gitRepo, cmd: []string{"git", "status", "--porcelain"}},
		{name: "gcc", setup: cSource, cmd: []string{"gcc", "-c", "-O2", "hello.c", "-o", "hello.o"}},
		{name: "make", setup: makefile, cmd: []string{"make", "-s"}},
		{name: "tar", setup: tree, cmd: []string{"tar", "cf", "out.tar", "tree"}},
		{name: "sort", setup: words, cmd: []string{"sort", "-u", "words", "-o", "sorted"}},
		{name: "pipeline", setup: words, cmd: []string{"sh", "-c", "cat words | tr a-z A-Z | sort | uniq -c > counts"}},
		{name: "python-threads", setup: pyThreads, cmd: []string{python(t), "threads.py"}},
		{name: "go", setup: goProgram, cmd: []string{"./goprog"}},
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func gitRepo(t *testing.T, dir string) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	run(t, dir, "git", "init", "-q")
	for i := 0; i < 20; i++ {
		write(t, filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), strings.Repeat("line\n", i))
	}
	run(t, dir, "git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", ".")
	run(t, dir, "git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "x")
	write(t, filepath.Join(dir, "f03.txt"), "changed\n")
	write(t, filepath.Join(dir, "new.txt"), "new\n")
}

func cSource(t *testing.T, dir string) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	write(t, filepath.Join(dir, "hello.c"), "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n")
}

func makefile(t *testing.T, dir string) {
	cSource(t, dir)
	write(t, filepath.Join(dir, "Makefile"), "all: a.txt b.txt\n\ta=1; cat a.txt b.txt > all.txt\na.txt:\n\techo a > a.txt\nb.txt: a.txt\n\tcp a.txt b.txt\n")
}

func tree(t *testing.T, dir string) {
	for i := 0; i < 5; i++ {
		d := filepath.Join(dir, "tree", fmt.Sprintf("d%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 5; j++ {
			write(t, filepath.Join(d, fmt.Sprintf("f%d", j)), strings.Repeat("x", 100*j))
		}
	}
}

func words(t *testing.T, dir string) {
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "w%d\n", (i*7919)%500)
	}
	write(t, filepath.Join(dir, "words"), b.String())
}

// python is the interpreter itself: python3 on PATH may be a shim (pyenv's
// is a bash script that runs several programs first).
func python(t *testing.T) string {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "python3"
	}
	return strings.TrimSpace(string(out))
}

func pyThreads(t *testing.T, dir string) {
	if _, err := exec.LookPath(python(t)); err != nil {
		t.Skip("no python3")
	}
	// Staggered threads: fd numbers and the order of lines do not depend
	// on the scheduler, futex contention still can.
	write(t, filepath.Join(dir, "threads.py"), `import threading, os, time
def work(i):
    time.sleep(0.03 * i)
    with open("out%d" % i, "w") as f:
        f.write("x" * (i + 1))
    os.stat("out%d" % i)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
`)
}

func goProgram(t *testing.T, dir string) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go")
	}
	write(t, filepath.Join(dir, "main.go"), `package main

import (
	"fmt"
	"os"
)

func main() {
	for i := 0; i < 3; i++ {
		os.WriteFile(fmt.Sprintf("g%d", i), []byte("go"), 0o644)
	}
	b, _ := os.ReadFile("g0")
	fmt.Println(len(b))
}
`)
	write(t, filepath.Join(dir, "go.mod"), "module goprog\n\ngo 1.21\n")
	c := exec.Command(goTool, "build", "-o", "goprog", ".")
	c.Dir = dir
	c.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// trace runs cmd in dir under tracer (a command line ending before the
// traced command) and returns the log's normalised lines.
func trace(t *testing.T, dir, log string, tracer []string, cmd []string) []string {
	t.Helper()
	args := append(append(append([]string{}, tracer[1:]...), "-f", "-o", log), cmd...)
	c := exec.Command(tracer[0], args...)
	c.Dir = dir
	c.Env = append(os.Environ(), "PYTHONHASHSEED=0", "LC_ALL=C", "GOMAXPROCS=2")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", c.Args, err, out)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var raw []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		raw = append(raw, sc.Text())
	}
	return normalise(raw)
}

var (
	pidRe      = regexp.MustCompile(`^(\d+) +`)
	unfinished = regexp.MustCompile(` <unfinished \.\.\.>$`)
	resumedRe  = regexp.MustCompile(`^<\.\.\. ([\w]+) resumed>`)
	hexRe      = regexp.MustCompile(`0x[0-9a-f]{5,}`)
	alignRe    = regexp.MustCompile(` +(= |<unfinished)`)
	randomRe   = regexp.MustCompile(`^getrandom\(".*?"(\.\.\.)?, `)
	durationRe = regexp.MustCompile(`<\d+\.\d+>$`)
	// pidRe2 finds numbers where a pid or tid can stand: a return value,
	// si_pid, a tid array, the first arguments of kill, tgkill and wait4.
	pidNumRe = regexp.MustCompile(`(= |si_pid=|\[|^\w+\(|^tgkill\(\d+, )(\d{2,})\b`)
	// What changes from run to run whatever the tracer: the parent's pid,
	// gcc's temporary names, the machine's load and free memory, absolute
	// futex deadlines, pointers Go stores in epoll data.
	volatile = []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`^getppid\(\) = \d+`), "getppid() = PPID"},
		{regexp.MustCompile(`/tmp/cc\w{6}\.`), "/tmp/ccTEMP."},
		{regexp.MustCompile(`^(sysinfo\(\{uptime=)[^}]*`), "${1}…"},
		{regexp.MustCompile(`^((futex|clock_nanosleep)\(.*(FUTEX_\w+|TIMER_ABSTIME), \{tv_sec=)\d+, tv_nsec=\d+`), "${1}S, tv_nsec=NS"},
		{regexp.MustCompile(`^(futex\([^,]+, FUTEX_WAIT_BITSET\w*, -?\d+, \{tv_sec=)\d+, tv_nsec=\d+`), "${1}S, tv_nsec=NS"},
		{regexp.MustCompile(`data=\{u32=\d+, u64=\d+\}`), "data={u32=N, u64=N}"},
		// the disk's free blocks and inodes, CPU times
		{regexp.MustCompile(`f_bfree=\d+, f_bavail=\d+(.*)f_ffree=\d+`), "f_bfree=N, f_bavail=N${1}f_ffree=N"},
		{regexp.MustCompile(`(ru_[us]time)=\{tv_sec=\d+, tv_usec=\d+\}`), "${1}={tv_sec=S, tv_usec=US}"},
		{regexp.MustCompile(`(si_[us]time)=\d+( /\* [0-9.]+ s \*/)?`), "${1}=T"},
		// git's index holds the files' ctimes, and ends in its checksum.
		{regexp.MustCompile(`"DIRC[^"]*"`), `"DIRC…"`},
		{regexp.MustCompile(`^(pread64\(\d+, )"[^"]*"(, 20, )`), `${1}"CHECKSUM"${2}`},
	}
)

// normalise joins strace's unfinished/resumed halves into one line (trace
// prints whole lines), drops the pid column and replaces every pid number,
// address and random byte.
func normalise(raw []string) []string {
	pids := map[string]bool{}
	pending := map[string]string{}
	var lines []string
	for _, l := range raw {
		pid := ""
		if m := pidRe.FindStringSubmatch(l); m != nil {
			pid = m[1]
			pids[pid] = true
			l = l[len(m[0]):]
		}
		if unfinished.MatchString(l) {
			pending[pid] = unfinished.ReplaceAllString(l, "")
			continue
		}
		if m := resumedRe.FindStringSubmatch(l); m != nil {
			l = pending[pid] + l[len(m[0]):]
			delete(pending, pid)
		}
		lines = append(lines, l)
	}
	for _, l := range pending { // cut off by the end of the log
		lines = append(lines, l+" <unfinished ...>")
	}
	for i, l := range lines {
		l = alignRe.ReplaceAllString(l, " $1")
		l = hexRe.ReplaceAllString(l, "0xADDR")
		l = randomRe.ReplaceAllString(l, `getrandom("RANDOM", `)
		l = durationRe.ReplaceAllString(l, "<T>")
		l = pidNumRe.ReplaceAllStringFunc(l, func(m string) string {
			sm := pidNumRe.FindStringSubmatch(m)
			if pids[sm[2]] {
				return sm[1] + "PID"
			}
			return m
		})
		for _, v := range volatile {
			l = v.re.ReplaceAllString(l, v.with)
		}
		lines[i] = l
	}
	return lines
}

// compare counts strace's lines that trace printed too (as multisets: the
// order of lines of different threads differs from run to run) and lists
// the lines only one side has.
func compare(want, got []string) (matched int, onlyWant, onlyGot []string) {
	count := map[string]int{}
	for _, l := range got {
		count[l]++
	}
	for _, l := range want {
		if count[l] > 0 {
			count[l]--
			matched++
		} else {
			onlyWant = append(onlyWant, l)
		}
	}
	for _, l := range got {
		if count[l] > 0 {
			count[l]--
			onlyGot = append(onlyGot, l)
		}
	}
	return matched, onlyWant, onlyGot
}

func TestRealPrograms(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed (.ci/run installs it)")
	}
	cli := hostiletest.S().CLI
	var total, matched int
	for _, w := range workloads(t) {
		t.Run(w.name, func(t *testing.T) {
			base := t.TempDir()
			res := map[string][]string{}
			for _, side := range []struct {
				name   string
				tracer []string
			}{{"strace", []string{strace}}, {"trace", []string{cli, "trace"}}} {
				dir := filepath.Join(base, side.name)
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if w.setup != nil {
					w.setup(t, dir)
				}
				// The same path length on both sides, so strings match.
				work := filepath.Join(base, "work")
				if err := os.Rename(dir, work); err != nil {
					t.Fatal(err)
				}
				res[side.name] = trace(t, work, filepath.Join(base, side.name+".log"), side.tracer, w.cmd)
				if err := os.Rename(work, dir); err != nil {
					t.Fatal(err)
				}
			}
			m, onlyStrace, onlyTrace := compare(res["strace"], res["trace"])
			n := len(res["strace"])
			if len(res["trace"]) > n {
				n = len(res["trace"])
			}
			total += n
			matched += m
			share := float64(m) / float64(n)
			t.Logf("%s: %d of %d lines identical (%.2f %%)", w.name, m, n, 100*share)
			logDiff(t, "only strace", onlyStrace)
			logDiff(t, "only trace", onlyTrace)
			if w.floor > 0 && share < w.floor {
				t.Errorf("%s: %.2f %% of lines match strace, want ≥ %.2f %%", w.name, 100*share, 100*w.floor)
			}
		})
	}
	if total == 0 {
		return
	}
	share := float64(matched) / float64(total)
	t.Logf("all programs: %d of %d lines identical (%.2f %%)", matched, total, 100*share)
	if share < overallFloor {
		t.Errorf("all programs: %.2f %% of lines match strace, want ≥ %.2f %%", 100*share, 100*overallFloor)
	}
}

// logDiff logs the differing lines grouped by syscall, most frequent first.
func logDiff(t *testing.T, label string, lines []string) {
	if len(lines) == 0 {
		return
	}
	by := map[string][]string{}
	for _, l := range lines {
		name := l
		if i := strings.IndexAny(l, "( "); i > 0 {
			name = l[:i]
		}
		by[name] = append(by[name], l)
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(by[names[i]]) != len(by[names[j]]) {
			return len(by[names[i]]) > len(by[names[j]])
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	for _, n := range names {
		b.WriteString("  " + n + " ×" + strconv.Itoa(len(by[n])) + ": " + trim(by[n][0]) + "\n")
	}
	t.Logf("%s (%d):\n%s", label, len(lines), b.String())
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
