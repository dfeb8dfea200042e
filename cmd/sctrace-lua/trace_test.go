package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests of `sctrace-lua trace`, the Go front end in engine/strace. The oracle
// is the real strace (6.1 on the reference machine): the same command under
// both must print the same lines once pids and addresses are normalised.

var traceData = filepath.Join("..", "..", "testdata", "trace")

func needStrace(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed (.ci/run installs it)")
	}
	return p
}

// runStrace runs strace -o FILE with args in the environment cli gives
// sctrace-lua, so the traced command sees as many variables either way.
func runStrace(t *testing.T, args ...string) (trace string, code int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.out")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needStrace(t), append([]string{"-o", out}, args...)...)
	cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"=strace-"+strconv.Itoa(os.Getpid()))
	cmd.Stdin = strings.NewReader("")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("strace %v: %v\n%s", args, err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("strace wrote no trace: %v\n%s", err, stderr.String())
	}
	return string(b), code
}

// runTrace runs sctrace-lua trace -o FILE with args.
func runTrace(t *testing.T, args ...string) (trace string, r result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "trace.out")
	r = cli(t, "", nil, "", append([]string{"trace", "-o", out}, args...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("trace wrote nothing: %v\nstderr:\n%s", err, r.stderr)
	}
	return string(b), r
}

var (
	pidPrefixRe = regexp.MustCompile(`^(\d+) +`)
	resumedRe   = regexp.MustCompile(`^<\.\.\. [\w]+ resumed>`)
	addrRe      = regexp.MustCompile(`0x[0-9a-f]{5,}`)
	alignRe     = regexp.MustCompile(`\s+= `)
	randomRe    = regexp.MustCompile(`^getrandom\(".*?", `)
)

// traceProcs parses an strace-format trace written with -f -o: one list of
// lines per process. What both tools print differently by design is
// normalised here:
//   - strace splits a call that another process interrupts into
//     "<unfinished ...>" and "<... resumed>"; sctrace-lua prints every call
//     whole at its exit, so the halves are joined;
//   - "+++ exited +++", "--- SIGCHLD ---" and "strace:" lines are dropped:
//     sctrace-lua sees the root's end only (the public API reports one
//     status) and no signals (a seccomp tracer stops at syscalls);
//   - pids become PID, addresses ADDR, and the alignment of "=" one space;
//   - getrandom's bytes are random.
func traceProcs(t *testing.T, trace string) map[string][]string {
	t.Helper()
	procs := map[string][]string{}
	pending := map[string]string{}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(trace))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	pids := map[string]bool{}
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if m := pidPrefixRe.FindStringSubmatch(sc.Text()); m != nil {
			pids[m[1]] = true
		}
	}
	pidList := make([]string, 0, len(pids))
	for p := range pids {
		pidList = append(pidList, regexp.QuoteMeta(p))
	}
	sort.Slice(pidList, func(i, j int) bool { return len(pidList[i]) > len(pidList[j]) })
	var pidRe *regexp.Regexp
	if len(pidList) > 0 {
		pidRe = regexp.MustCompile(`\b(` + strings.Join(pidList, "|") + `)\b`)
	}
	for _, line := range lines {
		pid := ""
		if m := pidPrefixRe.FindStringSubmatch(line); m != nil {
			pid, line = m[1], line[len(m[0]):]
		}
		if strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "strace:") || line == "" {
			continue
		}
		if head, ok := strings.CutSuffix(line, " <unfinished ...>"); ok {
			pending[pid] = head
			continue
		}
		if loc := resumedRe.FindStringIndex(line); loc != nil {
			line = pending[pid] + line[loc[1]:]
			delete(pending, pid)
		}
		if pidRe != nil {
			line = pidRe.ReplaceAllString(line, "PID")
		}
		line = addrRe.ReplaceAllString(line, "ADDR")
		line = alignRe.ReplaceAllString(line, " = ")
		line = randomRe.ReplaceAllString(line, `getrandom("RANDOM", `)
		procs[pid] = append(procs[pid], line)
	}
	return procs
}

// compareTraces fails unless both traces hold the same processes with the
// same calls in the same order. Processes are matched as a multiset: pids
// differ, and which child appears first depends on scheduling.
func compareTraces(t *testing.T, what, strace, ours string) {
	t.Helper()
	blocks := func(trace string) []string {
		var out []string
		for _, lines := range traceProcs(t, trace) {
			out = append(out, strings.Join(lines, "\n"))
		}
		sort.Strings(out)
		return out
	}
	want, got := blocks(strace), blocks(ours)
	if strings.Join(want, "\n--\n") == strings.Join(got, "\n--\n") {
		return
	}
	wantSet := map[string]int{}
	for _, b := range want {
		for _, l := range strings.Split(b, "\n") {
			wantSet[l]++
		}
	}
	var only []string
	for _, b := range got {
		for _, l := range strings.Split(b, "\n") {
			if wantSet[l] > 0 {
				wantSet[l]--
				continue
			}
			only = append(only, "+ "+l)
		}
	}
	for l, n := range wantSet {
		for ; n > 0; n-- {
			only = append(only, "- "+l)
		}
	}
	sort.Strings(only)
	t.Errorf("%s: traces differ (- strace only, + sctrace-lua only; empty means order):\n%s\n\nstrace:\n%s\nsctrace-lua:\n%s",
		what, strings.Join(only, "\n"), strace, ours)
}

const oracleSet = "trace=openat,connect,read,write,close,execve"

// The oracle: for each command the decoded lines equal strace's.
func TestTraceOracle(t *testing.T) {
	needStrace(t)
	needBash(t)
	port, accepted := listener(t)
	closed := closedPort(t)
	hello := filepath.Join(traceData, "hello.txt")
	cases := []struct {
		name string
		cmd  []string
	}{
		{"cat", []string{"cat", hello}},
		{"ls", []string{"ls", filepath.Join(traceData, "dir")}},
		{"loopback connect", []string{"bash", "-c", fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d; echo hi >&3", port)}},
		{"refused connect", []string{"bash", "-c", fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d", closed)}},
		{"failing open", []string{"cat", "/nonexistent/sctrace-lua-oracle"}},
		{"fork and exec", []string{"sh", "-c", "cat " + hello + "; echo done"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, wcode := runStrace(t, append([]string{"-f", "-e", oracleSet}, c.cmd...)...)
			got, r := runTrace(t, append([]string{"-f", "-e", oracleSet, "--"}, c.cmd...)...)
			if r.code != wcode {
				t.Errorf("exit %d, strace's command exited %d; stderr:\n%s", r.code, wcode, r.stderr)
			}
			compareTraces(t, c.name, want, got)
		})
	}
	if accepted() != 2 {
		t.Errorf("listener accepted %d connections, want 2 (one per tracer)", accepted())
	}
}

// closedPort is a loopback port nothing listens on: one the kernel just
// handed out and that was closed again.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// Every syscall the C program makes, decoded with everything traced (no -e),
// against strace: the widest check of the decoders on real calls.
func TestTraceOracleSyscalls(t *testing.T) {
	needStrace(t)
	bin := buildTraceC(t, "syscalls")
	scratch := t.TempDir()
	args := []string{bin, filepath.Join(traceData, "hello.txt"), filepath.Join(traceData, "dir"), scratch}
	want, wcode := runStrace(t, append([]string{"-f"}, args...)...)
	got, r := runTrace(t, append([]string{"-f", "--"}, args...)...)
	if r.code != 0 || wcode != 0 {
		t.Fatalf("exit %d (strace's run %d); stderr:\n%s", r.code, wcode, r.stderr)
	}
	compareTraces(t, "syscalls.c", want, got)
}

func buildTraceC(t *testing.T, name string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	out := filepath.Join(t.TempDir(), name)
	if b, err := exec.Command(cc, "-O0", "-o", out, filepath.Join(traceData, name+".c")).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, b)
	}
	return out
}

// --json: every line parses, and carries what the text line says.
func TestTraceJSON(t *testing.T) {
	hello := filepath.Join(traceData, "hello.txt")
	set := "trace=openat,read,write,close,execve,exit_group"
	jsonOut, r := runTrace(t, "--json", "-e", set, "--", "cat", hello, "/nonexistent")
	if r.code != 1 {
		t.Fatalf("exit %d, want cat's 1; stderr:\n%s", r.code, r.stderr)
	}
	textOut, _ := runTrace(t, "-e", set, "--", "cat", hello, "/nonexistent")

	type jsonArg struct {
		Name, Type, Text string
		Value            any
		Path             string
		Hidden           bool
	}
	type jsonCall struct {
		TS       float64 `json:"ts"`
		Pid, Tid int
		Name     string
		Args     []jsonArg
		Ret      *int64
		RetText  string `json:"ret_text"`
		Errno    *string
		Error    *string
		Duration *float64
		Text     string
	}
	var calls []jsonCall
	var texts []string
	for _, line := range strings.Split(strings.TrimSpace(jsonOut), "\n") {
		var c jsonCall
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		calls = append(calls, c)
		texts = append(texts, fmt.Sprintf("%d %s", c.Pid, c.Text))
	}
	var shown []string
	sawENOENT, sawExit := false, false
	for _, c := range calls {
		shown = shown[:0]
		for _, a := range c.Args {
			if a.Name == "" || a.Type == "" {
				t.Errorf("%s: argument without name or type: %+v", c.Name, a)
			}
			if !a.Hidden {
				shown = append(shown, a.Text)
			}
		}
		head := c.Name + "(" + strings.Join(shown, ", ") + ")"
		if c.Name != "exit_group" && c.Text != head+" = "+c.RetText {
			t.Errorf("text %q is not name(args) = ret_text: %q = %q", c.Text, head, c.RetText)
		}
		if c.Pid <= 0 || c.Tid <= 0 || c.TS < 1e9 {
			t.Errorf("%s: pid %d tid %d ts %f", c.Name, c.Pid, c.Tid, c.TS)
		}
		switch {
		case c.Name == "exit_group":
			sawExit = true
			if c.Ret != nil || c.Duration != nil || c.RetText != "?" || c.Text != head+" = ?" {
				t.Errorf("exit_group: %+v", c)
			}
		case c.Errno != nil:
			if c.Ret == nil || *c.Ret >= 0 || !strings.HasPrefix(c.RetText, "-1 "+*c.Errno+" (") || c.Error == nil {
				t.Errorf("%s: errno %s but ret %v %q", c.Name, *c.Errno, c.Ret, c.RetText)
			}
			if p, _ := c.Args[1].Value.(string); c.Name == "openat" && p == "/nonexistent" {
				sawENOENT = *c.Errno == "ENOENT" && *c.Error == "No such file or directory" && c.Args[1].Type == "path"
			}
		default:
			if c.Ret == nil || c.RetText != strconv.FormatInt(*c.Ret, 10) || c.Duration == nil || *c.Duration < 0 {
				t.Errorf("%s: ret %v %q duration %v", c.Name, c.Ret, c.RetText, c.Duration)
			}
		}
		if c.Name == "openat" {
			names := []string{}
			for _, a := range c.Args {
				names = append(names, a.Name)
			}
			if strings.Join(names, " ") != "dirfd pathname flags mode" || !c.Args[3].Hidden || c.Args[0].Value != -100.0 {
				t.Errorf("openat args: %+v", c.Args)
			}
		}
		if c.Name == "read" && c.Ret != nil && *c.Ret > 0 {
			if v, _ := c.Args[1].Value.(string); c.Args[0].Name != "fd" || (strings.HasPrefix(c.Text, "read(3, \"hello") && v != "hello, sctrace-lua\n") {
				t.Errorf("read args: %+v", c.Args)
			}
		}
	}
	if !sawENOENT || !sawExit {
		t.Errorf("no failed openat (%v) or exit_group (%v) in:\n%s", sawENOENT, sawExit, jsonOut)
	}
	// The same facts as the text run of the same command.
	var textLines []string
	for _, line := range strings.Split(strings.TrimSpace(textOut), "\n") {
		if !strings.HasPrefix(line, "+++") {
			textLines = append(textLines, line)
		}
	}
	if len(textLines) != len(texts) {
		t.Fatalf("%d JSON objects, %d text lines", len(texts), len(textLines))
	}
	norm := func(s string) string {
		return addrRe.ReplaceAllString(alignRe.ReplaceAllString(s, " = "), "ADDR")
	}
	for i := range texts {
		_, jt, _ := strings.Cut(texts[i], " ")
		if norm(jt) != norm(textLines[i]) {
			t.Errorf("object %d says %q, text line %q", i, jt, textLines[i])
		}
	}
}

var summaryRowRe = regexp.MustCompile(`^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\S+)$`)

// parseSummary reads strace -c's table: calls and errors per syscall.
func parseSummary(t *testing.T, s string) map[string][2]int {
	t.Helper()
	rows := map[string][2]int{}
	for _, line := range strings.Split(s, "\n") {
		m := summaryRowRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		calls, _ := strconv.Atoi(m[1])
		errors, _ := strconv.Atoi(m[2])
		rows[m[3]] = [2]int{calls, errors}
	}
	if _, ok := rows["total"]; !ok {
		t.Fatalf("no total row in:\n%s", s)
	}
	return rows
}

// -c counts the same calls and errors as strace -c. Times differ by design:
// strace -c reports system CPU time, trace the wall time from the seccomp
// stop to the exit (like strace -c -w, tracer overhead included).
func TestTraceCount(t *testing.T) {
	needStrace(t)
	hello := filepath.Join(traceData, "hello.txt")
	for _, args := range [][]string{
		{"cat", hello},
		{"-e", "trace=openat,read,close", "cat", hello, "/nonexistent"},
		{"-f", "sh", "-c", "cat " + hello + "; ls /nonexistent; true"},
	} {
		want, _ := runStrace(t, append([]string{"-c"}, args...)...)
		got, r := runTrace(t, append([]string{"-c"}, args...)...)
		if !strings.HasPrefix(got, "% time     seconds  usecs/call     calls    errors syscall\n------ ") {
			t.Errorf("%v: not strace's header:\n%s\nstderr:\n%s", args, got, r.stderr)
		}
		w, g := parseSummary(t, want), parseSummary(t, got)
		if fmt.Sprint(w) != fmt.Sprint(g) {
			// sh's wait4 can be interrupted by SIGCHLD and restarted, a
			// call strace and trace both count; when it lands differently
			// the counts may differ by one wait4.
			if w["wait4"] != g["wait4"] {
				dw, dg := w["wait4"], g["wait4"]
				delete(w, "wait4")
				delete(g, "wait4")
				tw, tg := w["total"], g["total"]
				tw[0] -= dw[0]
				tw[1] -= dw[1]
				tg[0] -= dg[0]
				tg[1] -= dg[1]
				w["total"], g["total"] = tw, tg
			}
		}
		if fmt.Sprint(w) != fmt.Sprint(g) {
			t.Errorf("%v: counts differ\nstrace:\n%s\ntrace:\n%s", args, want, got)
		}
	}
}

// runTraceStatus runs the CLI and returns how it ended.
func runTraceStatus(t *testing.T, args ...string) (syscall.WaitStatus, string) {
	t.Helper()
	mark := fmt.Sprintf("%d-st%d", os.Getpid(), markSeq.Add(1))
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"="+mark)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %v: %v", args, err)
	}
	assertNoLeftovers(t, mark)
	return cmd.ProcessState.Sys().(syscall.WaitStatus), stderr.String()
}

// The command's exit status passes through, and a command killed by a
// signal makes trace die of the same signal, as strace does.
func TestTraceExitStatus(t *testing.T) {
	ws, stderr := runTraceStatus(t, "trace", "-e", "trace=exit_group", "--", "sh", "-c", "exit 7")
	if !ws.Exited() || ws.ExitStatus() != 7 || !strings.Contains(stderr, "+++ exited with 7 +++") {
		t.Errorf("exit 7: status %v, stderr:\n%s", ws, stderr)
	}
	// A command that cannot be run: 127, as from a shell (strace says
	// "Can't stat" and exits 1 before starting anything).
	ws, stderr = runTraceStatus(t, "trace", "--", "no-such-command-xyz")
	if !ws.Exited() || ws.ExitStatus() != 127 || !strings.Contains(stderr, "sctrace-lua trace: exec: no-such-command-xyz: no such file or directory") {
		t.Errorf("missing command: status %v, stderr:\n%s", ws, stderr)
	}
	// TERM takes the Go runtime's path, SEGV and USR1 the shell's.
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGSEGV, syscall.SIGUSR1, syscall.SIGKILL} {
		ws, stderr := runTraceStatus(t, "trace", "-e", "trace=none", "--", "sh", "-c", fmt.Sprintf("kill -%d $$", sig))
		if !ws.Signaled() || ws.Signal() != sig || ws.CoreDump() {
			t.Errorf("%v: status %#x (signaled %v, signal %v), stderr:\n%s", sig, uint32(ws), ws.Signaled(), ws.Signal(), stderr)
		}
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR1: "SIGUSR1", syscall.SIGKILL: "SIGKILL"}[sig]
		if !strings.Contains(stderr, "+++ killed by "+name+" +++") {
			t.Errorf("%v: stderr lacks the killed line:\n%s", sig, stderr)
		}
	}
}

func TestTraceOptions(t *testing.T) {
	hello := filepath.Join(traceData, "hello.txt")
	abs, _ := filepath.Abs(hello)
	cases := []struct {
		name string
		args []string
		want *regexp.Regexp // a line of the trace (stderr)
	}{
		{"-s", []string{"-s", "4", "-e", "trace=read", "cat", hello}, regexp.MustCompile(`^read\(3, "hell"\.\.\., \d+\) += 19$`)},
		{"-s0", []string{"-s0", "-e", "trace=read", "cat", hello}, regexp.MustCompile(`^read\(3, ""\.\.\., \d+\) += 19$`)},
		{"-y", []string{"-y", "-e", "trace=read", "cat", hello}, regexp.MustCompile(`^read\(3<` + regexp.QuoteMeta(abs) + `>, "hello, sctrace-lua\\n", \d+\) += 19$`)},
		{"-tt", []string{"-tt", "-e", "trace=close", "cat", hello}, regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{6} close\(3\) += 0$`)},
		{"-t", []string{"-t", "-e", "trace=close", "cat", hello}, regexp.MustCompile(`^\d\d:\d\d:\d\d close\(3\) += 0$`)},
		{"-ttt", []string{"-ttt", "-e", "trace=close", "cat", hello}, regexp.MustCompile(`^\d{10}\.\d{6} close\(3\) += 0$`)},
		{"-T", []string{"-T", "-e", "trace=close", "cat", hello}, regexp.MustCompile(`^close\(3\) += 0 <\d+\.\d{6}>$`)},
		{"combined -fyT", []string{"-fyT", "-e", "close", "cat", hello}, regexp.MustCompile(`^close\(3<.*hello\.txt>\) += 0 <\d+\.\d{6}>$`)},
		{"alignment", []string{"-e", "trace=close", "cat", hello}, regexp.MustCompile(`^close\(3\) {32}= 0$`)},
		{"negation", []string{"-e", "trace=!openat,read,write,close,mmap,newfstatat,fstat,brk,mprotect", "cat", hello}, regexp.MustCompile(`^execve\(`)},
		{"unknown names with ?", []string{"-e", "trace=?nosuchcall,close", "cat", hello}, regexp.MustCompile(`^close\(3\) += 0$`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, "", nil, "", append([]string{"trace"}, c.args...)...)
			if r.code != 0 || r.stdout != "hello, sctrace-lua\n" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
			}
			found := false
			for _, line := range strings.Split(r.stderr, "\n") {
				found = found || c.want.MatchString(line)
			}
			if !found {
				t.Errorf("no line matches %s in:\n%s", c.want, r.stderr)
			}
		})
	}
	// -o: the trace goes to the file, nothing to stderr.
	out := filepath.Join(t.TempDir(), "out")
	r := cli(t, "", nil, "", "trace", "-o", out, "-e", "trace=close", "cat", hello)
	b, _ := os.ReadFile(out)
	if r.code != 0 || r.stderr != "" || !strings.Contains(string(b), "close(3)") {
		t.Errorf("-o: exit %d, stderr %q, file %q", r.code, r.stderr, b)
	}
}

// Classes come from the spec through Seccomp.syscall_class: -e trace=%file
// selects what strace's %file does.
func TestTraceClasses(t *testing.T) {
	if r := cli(t, "", nil, "", "-e", "os.exit(Seccomp.syscall_class and 0 or 3)"); r.code == 3 {
		t.Skip("this build has no Seccomp.syscall_class")
	}
	needStrace(t)
	hello := filepath.Join(traceData, "hello.txt")
	for _, class := range []string{"%file", "%desc", "%memory", "%process", "%network,%signal", "file",
		"%stat", "%fstat", "%%stat", "%statfs", "%%statfs", "/^(open|read)", "/stat$,close"} {
		want, _ := runStrace(t, "-f", "-e", "trace="+class, "cat", hello, "/nonexistent")
		got, _ := runTrace(t, "-f", "-e", "trace="+class, "cat", hello, "/nonexistent")
		compareTraces(t, class, want, got)
	}
	want, _ := runStrace(t, "-f", "-e", "trace=%pure", "id")
	got, _ := runTrace(t, "-f", "-e", "trace=%pure", "id")
	if !strings.Contains(got, "getuid() ") {
		t.Errorf("%%pure: no getuid in\n%s", got)
	}
	compareTraces(t, "%pure", want, got)
	r := cli(t, "", nil, "", "-e", `local t = Seccomp.syscall_class("openat") print(table.concat(t, " "))`)
	if r.code != 0 || r.stdout != "%desc %file\n" {
		t.Errorf("syscall_class(openat): exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, "", nil, "", "-e", `Seccomp.syscall_class("opnat")`)
	if r.code != 1 || !strings.Contains(r.stderr, `unknown syscall "opnat" (did you mean`) {
		t.Errorf("syscall_class(opnat): exit %d %s", r.code, r.stderr)
	}
}

// Usage errors: one line, exit 2, no command run.
func TestTraceBadOptions(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "true"}, "unknown option --bogus"},
		{nil, "must have a command to run"},
		{[]string{"-f"}, "must have a command to run"},
		{[]string{"-p", "x"}, "invalid process id: 'x'"},
		{[]string{"-s", "x", "true"}, "-s needs a non-negative integer"},
		{[]string{"-s"}, "-s needs an argument"},
		{[]string{"-e", "trace=opnat", "true"}, "invalid system call 'opnat' (did you mean openat"},
		{[]string{"-e", "verbose=none", "true"}, "-e verbose=none is not supported"},
		{[]string{"-e", "bogus=1", "true"}, "invalid -e qualifier 'bogus'"},
		{[]string{"-e", "signal=SIGNOPE", "true"}, "invalid signal 'SIGNOPE'"},
		{[]string{"-e", "inject=openat:error=ENOPE", "true"}, "invalid error 'ENOPE'"},
		{[]string{"-b", "exec", "true"}, "syscall 'exec' for -b isn't supported (only execve)"},
		{[]string{"-e", "trace=/open(", "true"}, "invalid regular expression"},
		{[]string{"-e", "trace=%nosuch", "true"}, "invalid syscall class"},
		{[]string{"-c", "--json", "true"}, "-c and --json cannot be combined"},
	}
	for _, c := range cases {
		r := cli(t, "", nil, "", append([]string{"trace"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
	r := cli(t, "", nil, "", "trace", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "usage: sctrace-lua trace") {
		t.Errorf("--help: exit %d %q", r.code, r.stdout)
	}
}

// call:format and call:decode from a script: entry decoding is reused at
// the exit (execve's argv survives the exec), options apply, and misuse is
// a clear error.
func TestCallFormatDecode(t *testing.T) {
	hello := filepath.Join(traceData, "hello.txt")
	script := fmt.Sprintf(`
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r)
    r:trace("execve", 0) r:trace("openat", 0) r:trace("read", 0) r:trace("exit_group", 0)
  end)
  ctx:load()
  exec("cat", %q, "/nonexistent")
end)
Seccomp.start_trace(pid, function(nr, pid, ud, call)
  local entry = call:format()
  if call.name == "exit_group" then print("noreturn", entry, call:decode().noreturn) return end
  call:on_return(function(ret, c)
    local d = c:decode(ret, {strsize = 4})
    if call.name == "execve" then
      print("entry", (entry:gsub("0x%%x+ /%%*.*%%*/", "ENV")))
      print("exit", (c:format(ret):gsub("0x%%x+ /%%*.*%%*/", "ENV")))
      print("argv", d.args[2].type, table.concat(d.args[2].value, ","))
    elseif call.name == "openat" and d.args[2].value == "/nonexistent" then
      print("failed", d.errno, d.error, d.ret, d.ret_text, d.args[3].text, tostring(d.args[4].hidden))
    elseif call.name == "read" and d.args[2].value == "hell" then
      print("read", d.args[2].value, d.args[2].text, d.done, c:format{ret = ret, strsize = 2})
      print("missing ret", select(2, pcall(c.format, c)) ~= nil)
      print("bad option", select(2, pcall(c.format, c, ret, {strsize = "x"})))
    end
  end)
end)`, hello)
	// exec searches PATH like execvp: the runner's PATH decides whether
	// that is /usr/bin/cat or /bin/cat.
	catPath, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("cat not in PATH")
	}
	r := cli(t, "", nil, "", "-e", script)
	want := fmt.Sprintf(`entry	execve(%[2]q, ["cat", %[1]q, "/nonexistent"], ENV)
exit	execve(%[2]q, ["cat", %[1]q, "/nonexistent"], ENV) = 0
argv	strarray	cat,%[1]s,/nonexistent
read	hell	"hell"...	true	read(3, "he"..., 131072) = 19
missing ret	true
bad option	<string>:1: bad argument #3 to format (option 'strsize' must be a number, got string)
hello, sctrace-lua
failed	ENOENT	No such file or directory	-2	-1 ENOENT (No such file or directory)	O_RDONLY	true
noreturn	exit_group(1) = ?	true
`, hello, catPath)
	got := regexp.MustCompile(`read\(3, "he"\.\.\., \d+\)`).ReplaceAllString(r.stdout, `read(3, "he"..., 131072)`)
	got = regexp.MustCompile(`(?m)^bad option\t.*bad argument #3 to \S+`).ReplaceAllString(got, "bad option\t<string>:1: bad argument #3 to format")
	if r.code != 0 || got != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, got, want, r.stderr)
	}
}

// trace needs no privilege: ptrace of one's own child and seccomp with
// no_new_privs.
func TestTraceUnprivileged(t *testing.T) {
	exe := os.Args[0]
	var cred *syscall.Credential
	// t.TempDir's parent is private to its owner: uid 65534 could not
	// reach a file below it.
	dir, err := os.MkdirTemp("", "sctrace-lua-trace-unpriv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	if os.Getuid() == 0 {
		exe = filepath.Join(dir, "sctrace-lua.test")
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	file := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(file, []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "", cred, exe, "trace", "-e", "trace=openat,read", "cat", file)
	if r.code != 0 || r.stdout != "data\n" || !strings.Contains(r.stderr, fmt.Sprintf("openat(AT_FDCWD, %q, O_RDONLY) = 3", file)) ||
		!strings.Contains(r.stderr, `read(3, "data\n", `) {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// strace's options beyond the basics, each checked on a line strace
// prints for the same run.
func TestTraceStraceOptions(t *testing.T) {
	hello := filepath.Join(traceData, "hello.txt")
	cases := []struct {
		name string
		args []string
		want *regexp.Regexp
		not  *regexp.Regexp
	}{
		{"inject", []string{"-e", "trace=openat", "-e", "inject=openat:error=EACCES:when=3", "cat", hello},
			regexp.MustCompile(`^openat\(AT_FDCWD, "/usr/lib/locale/locale-archive", O_RDONLY\|O_CLOEXEC\) += -1 EACCES \(Permission denied\) \(INJECTED\)$`), nil},
		{"signal line", []string{"-e", "trace=none", "sh", "-c", "trap : USR1; kill -USR1 $$"},
			regexp.MustCompile(`^--- SIGUSR1 \{si_signo=SIGUSR1, si_code=SI_USER, si_pid=\d+, si_uid=\d+\} ---$`), nil},
		{"signal=none", []string{"-e", "trace=none", "-e", "signal=none", "sh", "-c", "trap : USR1; kill -USR1 $$"},
			regexp.MustCompile(`^\+\+\+ exited with 0 \+\+\+$`), regexp.MustCompile(`SIGUSR1`)},
		{"-f exits", []string{"-f", "-e", "trace=none", "sh", "-c", "cat " + hello + "; true"},
			regexp.MustCompile(`^\[pid +\d+\] \+\+\+ exited with 0 \+\+\+$`), nil},
		{"-z", []string{"-z", "-e", "trace=openat", "cat", hello, "/nonexistent"},
			regexp.MustCompile(`^openat\(AT_FDCWD, "` + regexp.QuoteMeta(hello) + `", O_RDONLY\) += 3$`), regexp.MustCompile(`ENOENT`)},
		{"-P", []string{"-P", hello, "cat", hello},
			regexp.MustCompile(`^read\(3, "hello`), regexp.MustCompile(`^mmap|^execve`)},
		{"-e write=", []string{"-e", "trace=write", "-e", "write=1", "cat", hello},
			regexp.MustCompile(`^ \| 00000  68 65 6c 6c 6f 2c 20 73  63 74 72 61 63 65 2d 6c  hello, sctrace-l \|$`), nil},
		{"-a", []string{"-a", "20", "-e", "trace=close", "cat", hello}, regexp.MustCompile(`^close\(3\) {12}= 0$`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, "", nil, "", append([]string{"trace"}, c.args...)...)
			found := false
			for _, line := range strings.Split(r.stderr, "\n") {
				found = found || c.want.MatchString(line)
				if c.not != nil && c.not.MatchString(line) {
					t.Errorf("line %q should not be there", line)
				}
			}
			if !found {
				t.Errorf("exit %d; no line matches %s in:\n%s", r.code, c.want, r.stderr)
			}
		})
	}
	// -ff: one file per process, FILE.PID, no pid column.
	out := filepath.Join(t.TempDir(), "log")
	r := cli(t, "", nil, "", "trace", "-ff", "-o", out, "-e", "trace=execve", "sh", "-c", "cat "+hello+"; true")
	files, _ := filepath.Glob(out + ".*")
	if r.code != 0 || len(files) != 2 {
		t.Fatalf("-ff: exit %d, files %v, stderr %s", r.code, files, r.stderr)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(b), "execve(") || !strings.Contains(string(b), "+++ exited with 0 +++") {
			t.Errorf("%s: %q", f, b)
		}
	}
}
