package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests of `trace -D`: the command keeps trace's pid and stays the
// caller's direct child; the tracer is an orphaned grandchild (its own
// process group with -DD, its own session with -DDD) and ends when the
// command has.
func TestTraceDaemonize(t *testing.T) {
	for _, c := range []struct {
		flag       string
		pgrp, sess bool // the tracer leads a group, a session
	}{{"-D", false, false}, {"-DD", true, false}, {"-DDD", true, true}} {
		t.Run(c.flag, func(t *testing.T) {
			dir := t.TempDir()
			info, out := filepath.Join(dir, "info"), filepath.Join(dir, "trace.out")
			// The shell writes its pid, its parent, its tracer, and the
			// tracer's parent, process group and session.
			script := `t=$(awk '/^TracerPid/{print $2}' /proc/$$/status); echo $$ $PPID $t $(cut -d' ' -f4-6 /proc/$t/stat) > ` + info + `; exit 6`
			mark := fmt.Sprintf("%d-daemon-%s", os.Getpid(), c.flag)
			cmd := exec.Command(os.Args[0], "trace", c.flag, "-o", out, "-e", "trace=exit_group", "/bin/sh", "-c", script)
			cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"="+mark)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 6 {
				t.Fatalf("trace %s: %v, want exit 6; stderr:\n%s", c.flag, err, stderr.String())
			}
			b, err := os.ReadFile(info)
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(b))
			if len(f) != 6 {
				t.Fatalf("info %q", b)
			}
			if want := strconv.Itoa(cmd.Process.Pid); f[0] != want {
				t.Errorf("the command's pid %s, want trace's %s", f[0], want)
			}
			if want := strconv.Itoa(os.Getpid()); f[1] != want {
				t.Errorf("the command's parent %s, want the caller %s", f[1], want)
			}
			tracer := f[2]
			if tracer == "0" || tracer == f[0] {
				t.Fatalf("the command's tracer %s", tracer)
			}
			if f[3] == f[0] || f[3] == f[1] {
				t.Errorf("the tracer's parent %s is the command or its caller, want an orphan", f[3])
			}
			mine := strconv.Itoa(syscall.Getpgrp())
			if c.pgrp != (f[4] == tracer) || !c.pgrp && f[4] != mine {
				t.Errorf("the tracer's process group %s (tracer %s, caller's %s)", f[4], tracer, mine)
			}
			if c.sess != (f[5] == tracer) {
				t.Errorf("the tracer's session %s (tracer %s)", f[5], tracer)
			}
			got := waitFile(t, out, regexp.MustCompile(`\+\+\+ exited with 6 \+\+\+\n$`))
			// The shell's own exit_group (awk and cut are its children,
			// prefixed with their pids).
			if want := "\nexit_group(6)                           = ?\n+++ exited with 6 +++\n"; !strings.HasSuffix(got, want) || strings.Count(got, "+++") != 2 {
				t.Errorf("trace:\n%s\nwant it to end with:%s", got, want)
			}
			tp, _ := strconv.Atoi(tracer)
			waitGone(t, tp)
			assertNoLeftovers(t, mark)
		})
	}
}

// waitGone waits until pid has exited (gone, or a zombie its new parent
// has not reaped).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if s := string(b); strings.Contains(s[strings.LastIndexByte(s, ')'):], ") Z") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("the tracer %d is still running", pid)
}

// -D with -p, a bad --daemonize: one line, exit 2.
func TestTraceDaemonizeBad(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-D", "-p", "1"}, "-D needs a command to run, not -p"},
		{[]string{"--daemonize=nope", "true"}, `invalid --daemonize "nope"`},
	} {
		r := cli(t, "", nil, "", append([]string{"trace"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
}

// -D -b execve: the grandchild tracer traces trace's own process without
// a filter and lets it go at the shell's exec: the exec'd program reads
// TracerPid 0, and its exit status reaches the caller directly.
func TestTraceDaemonizeDetachOnExec(t *testing.T) {
	dir := t.TempDir()
	tp := filepath.Join(dir, "tp")
	r := cli(t, "", nil, "", "trace", "-D", "-b", "execve", "-e", "trace=execve", "/bin/sh", "-c",
		"exec /bin/sh -c 'grep TracerPid /proc/self/status > "+tp+"; exit 5'")
	if r.code != 5 {
		t.Fatalf("exit %d, want 5; stderr:\n%s", r.code, r.stderr)
	}
	if v := tracerPidOf(t, tp); v != "TracerPid:\t0" {
		t.Errorf("the exec'd shell's grep read %q, want TracerPid 0", v)
	}
	// Complete: cli reads stderr until every writer, the tracer too, has
	// closed it.
	want := regexp.MustCompile(`(?s)^execve\("/bin/sh", .*\) = 0\nexecve\("/bin/sh", \["/bin/sh", "-c", "grep TracerPid /proc/self/status"\.\.\.\], 0x[0-9a-f]+ /\* \d+ vars \*/\) <detached \.\.\.>\nsctrace-lua trace: Process \d+ detached\n$`)
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr:\n%s\nwant to match %s", r.stderr, want)
	}
}

// As uid 65534: the grandchild tracer may trace trace's process (same
// uid; PR_SET_PTRACER where Yama asks for it), and -b execve lets the
// exec'd grep go.
func TestTraceDaemonizeUnprivileged(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to become uid 65534")
	}
	exe := nobodyExe(t)
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	r := cliIn(t, cliPlace{dir: "/"}, "", nobody, exe, "trace", "-D", "-e", "trace=exit_group", "/bin/sh", "-c", "grep TracerPid /proc/$$/status; exit 6")
	if r.code != 6 || !strings.HasPrefix(r.stdout, "TracerPid:\t") || r.stdout == "TracerPid:\t0\n" {
		t.Errorf("-D: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasSuffix(r.stderr, "\nexit_group(6)                           = ?\n+++ exited with 6 +++\n") {
		t.Errorf("-D: stderr:\n%s", r.stderr)
	}
	r = cliIn(t, cliPlace{dir: "/"}, "", nobody, exe, "trace", "-D", "-b", "execve", "-q", "-e", "trace=none", "/bin/sh", "-c", "exec grep TracerPid /proc/self/status")
	if r.code != 0 || r.stdout != "TracerPid:\t0\n" || r.stderr != "" {
		t.Errorf("-D -b execve: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
