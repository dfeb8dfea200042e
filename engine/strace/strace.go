// Package strace is the strace-compatible `sctrace-lua trace` command: option
// parsing, syscall selection, the trace lines, the -c summary and JSON. It is
// built on engine's public API and engine/decode; it never touches Lua.
package strace

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"golang.org/x/sys/unix"
)

// HelperMode is the engine helper mode of the traced child.
const HelperMode = "strace"

// payload is what the child needs: the filter and the command.
type payload struct {
	Programs [][]byte
	Cmd      []string
	Env      []string // -E
	User     string   // -u
}

// RunChild is the life of the traced child: wait to be released, then load
// the filter and exec the command in one step. It returns 127 when the exec
// fails, as a shell does; the message is written by the child before the
// filter can see it (the filter is installed only by a successful step).
// Precondition: called on the main goroutine of a helper.
func RunChild() int {
	b, err := engine.HelperPayload()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sctrace-lua trace: %s\n", err)
		return 1
	}
	var p payload
	if err := json.Unmarshal(b, &p); err != nil || len(p.Cmd) == 0 {
		fmt.Fprintf(os.Stderr, "sctrace-lua trace: bad payload\n")
		return 1
	}
	if err := engine.AwaitRelease(); err != nil {
		return 1
	}
	if err := applyEnv(p.Env); err != nil {
		fmt.Fprintf(os.Stderr, "sctrace-lua trace: -E: %s\n", err)
		return 1
	}
	if p.User != "" {
		if err := becomeUser(p.User); err != nil {
			fmt.Fprintf(os.Stderr, "sctrace-lua trace: -u %s: %s\n", p.User, err)
			return 1
		}
	}
	path := p.Cmd[0]
	resolved := path
	if !containsSlash(path) {
		r, err := exec.LookPath(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sctrace-lua trace: exec: %s: %s\n", path, syscall.ENOENT.Error())
			return 127
		}
		resolved = r
	}
	err = engine.Exec(resolved, p.Cmd, os.Environ(), p.Programs)
	var ee *engine.ExecError
	if errors.As(err, &ee) {
		fmt.Fprintf(os.Stderr, "sctrace-lua trace: exec: %s: %s\n", path, ee.Errno.Error())
	} else {
		fmt.Fprintf(os.Stderr, "sctrace-lua trace: %s\n", err)
	}
	return 127
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// Main runs `sctrace-lua trace ARGS`; it returns the exit code (or does not
// return: when the command was killed by a signal, this process dies of it).
// Precondition: the runtime OS thread is locked (the Session's thread).
func Main(args []string, stdout, stderr io.Writer) int {
	if code, ok := daemonStage(args, stderr); ok {
		return code
	}
	o, err := Parse(args)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, ErrUsage) {
			msg = msg[len(ErrUsage.Error())+2:]
		}
		fmt.Fprintf(stderr, "sctrace-lua trace: %s (see sctrace-lua trace --help)\n", msg)
		return 2
	}
	if o.Help {
		io.WriteString(stdout, usage)
		return 0
	}
	// The tracer's live heap stays small while every call allocates its
	// decoding: a larger growth factor makes a few collections out of the
	// dozens the default (4 MB goal) runs during a full trace.
	debug.SetGCPercent(400)
	if len(o.Pids) > 0 {
		return attachMain(o, stderr)
	}
	// -b execve: a process let go would keep a filter, so the command is
	// started without one and every call stops (the -p way).
	var progs [][]byte
	if !o.DetachOnExec {
		spec, err := o.filterSpec()
		if err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
			return 1
		}
		if progs, err = spec.Programs(); err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: filter: %s\n", err)
			return 1
		}
	}

	if o.Daemonize > 0 {
		return daemonMain(o, progs, stderr)
	}

	tr, file, ok := startTracer(o, stderr)
	if !ok {
		return 1
	}

	s := engine.NewSession()
	defer s.Close()
	// The command is forked and exec'd directly (SpawnExec: no second Go
	// runtime to start) when trace can do all the child would: -u needs
	// the helper, and so does a command not found on PATH (the helper
	// reports it as a shell does).
	var child *engine.Child
	if o.User == "" {
		env, err := commandEnv(o.Env)
		if err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: -E: %s\n", err)
			return 1
		}
		if path, ok := lookPath(o.Cmd[0], env); ok {
			if child, err = s.SpawnExec(path, o.Cmd, env, progs); err != nil {
				fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
				return 1
			}
		}
	}
	if child == nil {
		pl, _ := json.Marshal(payload{Programs: progs, Cmd: o.Cmd, Env: o.Env, User: o.User})
		if child, err = s.Spawn(HelperMode, pl); err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
			return 1
		}
	}
	tr.root = child.Pid
	tr.live[child.Pid] = true
	hooks := engine.Hooks{
		Seccomp:    tr.seccomp,
		ThreadExit: tr.threadExit,
		Signal:     tr.signal,
		NewThread:  tr.attachedMsg(),
	}
	var st engine.Status
	if o.DetachOnExec {
		tr.selectByNumber()
		st, err = s.TraceUnfiltered(child.Pid, engine.UnfilteredOptions{
			Follow: true, DetachOnExec: true, Detached: tr.detachedFn(execDetachMsgs(o, stderr)),
		}, hooks)
	} else {
		st, err = s.Trace(child.Pid, hooks)
	}
	// After a failed Trace the child may never have been released (s.Close
	// kills it): its exec's errno is not waited for.
	if err == nil {
		if e := child.ExecErrno(); e != 0 {
			tr.w.Flush()
			fmt.Fprintf(stderr, "sctrace-lua trace: exec: %s: %s\n", o.Cmd[0], e.Error())
		}
	}
	if !tr.end(file, err, stderr) {
		return 1
	}
	if st.Exited() {
		return st.ExitStatus()
	}
	if st.Signaled() {
		dieOf(st.Signal())
	}
	return 1
}

// filterSpec is the filter of the traced command: the selected calls stop
// with user data 0; execve (its success ends the calls that are this
// program's own) and calls only injected into stop with udHidden. When most
// calls are selected (the default: all of them) the default action is the
// stop and the rules let the others run, which makes a filter of a few
// instructions, compiled in microseconds instead of milliseconds, and stops
// calls libseccomp has no name for too, as strace shows them.
func (o *Options) filterSpec() (filter.Spec, error) {
	act, err := filter.TraceAction(0)
	if err != nil {
		return filter.Spec{}, err
	}
	hidden, err := filter.TraceAction(udHidden)
	if err != nil {
		return filter.Spec{}, err
	}
	extra := append([]int(nil), execNrs...)
	for _, in := range o.Inject {
		for nr := range in.sel {
			extra = append(extra, nr)
		}
	}
	if o.Selected == nil {
		// Every call: nothing needs a rule.
		return filter.Spec{Default: act}, nil
	}
	all := allSyscalls()
	if 2*len(o.Selected) > len(all) {
		spec := filter.Spec{Default: act}
		done := map[int]bool{}
		for _, nr := range extra {
			if !o.Selected[nr] && !done[nr] {
				done[nr] = true
				spec.Rules = append(spec.Rules, filter.Rule{Action: hidden, Syscall: nr})
			}
		}
		for _, nr := range all {
			if !o.Selected[nr] && !done[nr] {
				done[nr] = true
				spec.Rules = append(spec.Rules, filter.Rule{Action: filter.ActionAllow, Syscall: nr})
			}
		}
		return spec, nil
	}
	spec := filter.Spec{Default: filter.ActionAllow}
	stops := map[int]bool{}
	for _, nr := range o.syscalls() {
		stops[nr] = true
		spec.Rules = append(spec.Rules, filter.Rule{Action: act, Syscall: nr})
	}
	for _, nr := range extra {
		if !stops[nr] {
			stops[nr] = true
			spec.Rules = append(spec.Rules, filter.Rule{Action: hidden, Syscall: nr})
		}
	}
	return spec, nil
}

// dieOf makes this process die of sig, as strace does. The Go runtime dies
// of HUP, INT, TERM and KILL when they are sent to it with their default
// action; for the others a shell takes this process's place and kills
// itself, with core dumps off so nothing is overwritten.
func dieOf(sig syscall.Signal) {
	if sig == syscall.SIGHUP || sig == syscall.SIGINT || sig == syscall.SIGKILL || sig == syscall.SIGTERM {
		signal.Reset(sig)
		unix.Kill(os.Getpid(), sig)
		time.Sleep(time.Second)
	}
	syscall.Exec("/bin/sh", []string{"/bin/sh", "-c", "ulimit -c 0; kill -" + strconv.Itoa(int(sig)) + " $$"}, os.Environ())
	os.Exit(128 + int(sig))
}

// commandEnv is this process's environment with -E applied: VAR=VAL
// sets, VAR removes.
func commandEnv(changes []string) ([]string, error) {
	env := os.Environ()
	for _, e := range changes {
		k, _, ok := strings.Cut(e, "=")
		if k == "" {
			return nil, fmt.Errorf("bad variable %q", e)
		}
		out := env[:0:0]
		for _, kv := range env {
			if !strings.HasPrefix(kv, k+"=") {
				out = append(out, kv)
			}
		}
		if ok {
			out = append(out, e)
		}
		env = out
	}
	return env, nil
}

// lookPath finds file as execvp would, on env's PATH; a name with a slash
// is taken as it is. Only absolute directories are searched (exec.LookPath
// refuses a result relative to the working directory too); false sends the
// caller to the helper, which reports the failure.
func lookPath(file string, env []string) (string, bool) {
	if containsSlash(file) {
		return file, true
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range strings.Split(path, ":") {
		if !strings.HasPrefix(dir, "/") {
			continue
		}
		p := dir + "/" + file
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// applyEnv: -E VAR=VAL sets, -E VAR removes.
func applyEnv(env []string) error {
	for _, e := range env {
		k, v, ok := strings.Cut(e, "=")
		if k == "" {
			return fmt.Errorf("bad variable %q", e)
		}
		if ok {
			os.Setenv(k, v)
		} else {
			os.Unsetenv(k)
		}
	}
	return nil
}

// becomeUser: -u, the user's groups, gid and uid (needs root).
func becomeUser(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	var groups []int
	if gs, err := u.GroupIds(); err == nil {
		for _, g := range gs {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, n)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return err
	}
	if err := syscall.Setgid(gid); err != nil {
		return err
	}
	return syscall.Setuid(uid)
}

// execDetachMsgs is where -b execve says "Process N detached": as strace,
// only when the lines go to the terminal (no -o) and without -q.
func execDetachMsgs(o *Options, stderr io.Writer) io.Writer {
	if o.Quiet == 0 && o.Output == "" {
		return stderr
	}
	return nil
}

// startTracer opens -o's file (mode 0666 & ~umask; -ff opens one per
// task later) and makes the tracer that writes to it, or to stderr; ok is
// false, with the error reported, when the file cannot be created.
func startTracer(o *Options, stderr io.Writer) (tr *tracer, file *os.File, ok bool) {
	var out io.Writer = stderr
	if o.Output != "" && !o.PerPid {
		f, err := os.OpenFile(o.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			fmt.Fprintf(stderr, "sctrace-lua trace: -o: %s\n", err)
			return nil, nil, false
		}
		file, out = f, f
	}
	return newTracer(o, bufio.NewWriterSize(out, 64<<10), file != nil), file, true
}

// end finishes a run: the -c summary, every buffered line and -ff file
// written and closed, and err (how tracing ended) reported; ok is false
// when there was one.
func (t *tracer) end(file *os.File, err error, stderr io.Writer) (ok bool) {
	if t.o.Count || t.o.CountAndTrace {
		t.summary()
	}
	t.w.Flush()
	t.closeAll()
	if t.fileErr != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: -ff: %s\n", t.fileErr)
	}
	if file != nil {
		file.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua trace: %s\n", err)
		return false
	}
	return true
}
