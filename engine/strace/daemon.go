package strace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// -D: the tracer is the command's grandchild, as strace runs it, so the
// command keeps trace's pid and stays its caller's direct child. Go cannot
// fork, so this process (P) starts a launcher, this binary again, which
// starts the tracer (T: in a new process group with -DD, a new session
// with -DDD) and exits; T, an orphan, seizes P and P then loads the filter
// and execs the command, as the helper child does otherwise.
//
// daemonEnv carries the stage to the launcher and T: "launch:LEVEL" or
// "trace:PID". Fds 3 and 4: T's pid and then one byte once P is seized
// (to P); one byte once P allows T to trace it (from P).
const daemonEnv = "SCTRACE_LUA_TRACE_DAEMON"

// daemonStage runs the launcher or T when this process is one.
func daemonStage(args []string, stderr io.Writer) (int, bool) {
	stage, ok := os.LookupEnv(daemonEnv)
	if !ok {
		return 0, false
	}
	os.Unsetenv(daemonEnv)
	toP, fromP := os.NewFile(3, "to-command"), os.NewFile(4, "from-command")
	kind, v, _ := strings.Cut(stage, ":")
	n, err := strconv.Atoi(v)
	if err != nil || kind != "launch" && kind != "trace" || toP == nil || fromP == nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: bad %s %q\n", daemonEnv, stage)
		return 1, true
	}
	if kind == "launch" {
		return launchTracer(n, args, toP, fromP, stderr), true
	}
	return daemonTrace(n, args, toP, fromP, stderr), true
}

// launchTracer starts T and tells P its pid.
func launchTracer(level int, args []string, toP, fromP *os.File, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: -D: %s\n", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=trace:"+strconv.Itoa(os.Getppid()))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{toP, fromP}
	switch level {
	case 2:
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	case 3:
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: -D: starting the tracer: %s\n", err)
		return 1
	}
	fmt.Fprintf(toP, "%d\n", cmd.Process.Pid)
	return 0
}

// daemonMain is P's side of -D: start T through the launcher, let it
// trace this process, wait until it has, then exec the command under the
// filter. It returns only when that fails.
func daemonMain(o *Options, progs [][]byte, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sctrace-lua trace: -D: "+format+"\n", a...)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		return fail("%s", err)
	}
	ar, aw, err := os.Pipe()
	if err != nil {
		return fail("%s", err)
	}
	defer ar.Close()
	br, bw, err := os.Pipe()
	if err != nil {
		aw.Close()
		return fail("%s", err)
	}
	defer bw.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=launch:"+strconv.Itoa(o.Daemonize))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{aw, br}
	err = cmd.Start()
	aw.Close()
	br.Close()
	if err != nil {
		return fail("starting the tracer: %s", err)
	}
	if err := cmd.Wait(); err != nil {
		return fail("starting the tracer: %s", err)
	}
	r := bufio.NewReader(ar)
	line, err := r.ReadString('\n')
	tpid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		return fail("the tracer did not start")
	}
	if err := engine.AllowTracer(tpid); err != nil {
		return fail("%s", err)
	}
	if _, err := bw.Write([]byte{1}); err != nil {
		return fail("the tracer is gone")
	}
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 1 // T said why
	}
	ar.Close()
	bw.Close()
	if err := applyEnv(o.Env); err != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: -E: %s\n", err)
		return 1
	}
	if o.User != "" {
		if err := becomeUser(o.User); err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: -u %s: %s\n", o.User, err)
			return 1
		}
	}
	path := o.Cmd[0]
	resolved, ok := lookPath(path, os.Environ())
	if !ok {
		fmt.Fprintf(stderr, "sctrace-lua trace: exec: %s: %s\n", path, syscall.ENOENT.Error())
		return 127
	}
	err = engine.Exec(resolved, o.Cmd, os.Environ(), progs)
	var ee *engine.ExecError
	if errors.As(err, &ee) {
		fmt.Fprintf(stderr, "sctrace-lua trace: exec: %s: %s\n", path, ee.Errno.Error())
	} else {
		fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
	}
	return 127
}

// daemonTrace is T: wait until P allows it, seize P, tell P, trace.
func daemonTrace(pid int, args []string, toP, fromP *os.File, stderr io.Writer) int {
	o, err := Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
		return 1
	}
	var b [1]byte
	if _, err := io.ReadFull(fromP, b[:]); err != nil {
		return 1 // P is gone
	}
	fromP.Close()
	tr, file, ok := startTracer(o, stderr)
	if !ok {
		return 1
	}
	tr.root = pid
	tr.live[pid] = true
	s := engine.NewSession()
	defer s.Close()
	var po engine.ProcessOptions
	if o.DetachOnExec {
		tr.selectByNumber()
		po = engine.ProcessOptions{Unfiltered: true, DetachOnExec: true, Detached: tr.detachedFn(execDetachMsgs(o, stderr))}
	}
	_, err = s.TraceProcess(pid, po, func() error {
		_, err := toP.Write([]byte{1})
		toP.Close()
		return err
	}, engine.Hooks{Seccomp: tr.seccomp, ThreadExit: tr.threadExit, Signal: tr.signal, NewThread: tr.attachedMsg()})
	if !tr.end(file, err, stderr) {
		return 1
	}
	return 0
}
