package bindings

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/bindings/forksnap"
	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/engine/landlock"
)

// forkMode is the helper mode of a Process.fork child.
const forkMode = "fork"

func (r *Runtime) processModule() *lua.LTable {
	funcs := map[string]lua.LGFunction{
		"fork":     r.processFork,
		"exec":     r.processExec,
		"waitpid":  r.processWaitpid,
		"waitpid2": r.processWaitpid,
		"wait":     r.processWait,
		"kill":     r.processKill,
		"pid":      processPid,
		"ppid":     processPpid,
		"uid":      processUid,
		"euid":     processEuid,
		"now":      processNow,
		"time":     processTime,
	}
	t := r.L.SetFuncs(r.L.NewTable(), funcs)
	t.RawSetString("WNOHANG", lua.LNumber(syscall.WNOHANG))
	t.RawSetString("WUNTRACED", lua.LNumber(syscall.WUNTRACED))
	return t
}

func (r *Runtime) snapOptions() forksnap.Options {
	return forksnap.Options{
		Chunks:   r.chunks,
		Builtins: r.builtins,
		Decoders: map[string]forksnap.Decoder{contextType: decodeContext, rulesetType: decodeRuleset, profileType: decodeProfile},
	}
}

// Process.fork(fn) → pid. The child is this binary re-executed; it runs fn
// on a snapshot of what fn can see once released (by start_trace, waitpid or
// kill).
func (r *Runtime) processFork(L *lua.LState) int {
	fn := L.CheckFunction(1)
	if fn.IsG {
		L.ArgError(1, "Process.fork needs a Lua function, not a built-in")
	}
	snap, err := forksnap.Encode(L, fn, r.snapOptions())
	if err != nil {
		L.RaiseError("Process.fork: %s", err.Error())
	}
	c, err := r.sess.Spawn(forkMode, snap)
	if err != nil {
		L.RaiseError("Process.fork: %s", err.Error())
	}
	L.Push(lua.LNumber(c.Pid))
	return 1
}

// exec(path, …) or exec({path, …}): PATH lookup when path has no slash,
// then the armed filters and execve in one step. The table form takes an
// argv of any size without unpack. Failure raises "exec: path: reason"; a
// forked child that dies of it exits 127 as a shell's would.
func (r *Runtime) processExec(L *lua.LState) int {
	argv := checkArgv(L)
	path := argv[0]
	resolved := path
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			r.execFailed = true
			L.RaiseError("exec: %s: %s", path, lookErr(err))
		}
		resolved = p
	}
	fds, err := createRulesets(r.armedLandlock)
	if err != nil {
		r.execFailed = true
		L.RaiseError("exec: %s: %s", path, err.Error())
	}
	progs, listener, needTrace, err := compileArmed(r.armed)
	if err != nil {
		closeAll(fds)
		r.execFailed = true
		L.RaiseError("exec: %s: %s", path, err.Error())
	}
	err = engine.ExecChild(engine.ExecSpec{Path: resolved, Argv: argv, Env: os.Environ(),
		Programs: progs, Rulesets: fds, Listener: listener, Ctl: -1}, needTrace)
	closeAll(fds)
	r.execFailed = true
	var ee *engine.ExecError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			L.RaiseError("exec: %s: %s", path, ee.Err.Error())
		}
		L.RaiseError("exec: %s: %s", path, ee.Errno.Error())
	}
	L.RaiseError("%s", err.Error())
	return 0
}

// armedProgram is one filter exec() installs: a context's spec, compiled
// at exec (see compileArmed), or a profile's program.
type armedProgram struct {
	spec *filter.Spec
	bpf  []byte
}

// compileArmed compiles the armed filters in their order. listener is the
// index of the program with notify rules (-1: none), needTrace whether
// any has trace rules. Guarding the tracer (filter.Spec.TracerGuarded)
// refuses every later filter with a listener, so the guard rule goes in
// the last context's program instead: after the listener's.
func compileArmed(armed []armedProgram) (progs [][]byte, listener int, needTrace bool, err error) {
	listener = -1
	last := -1
	for i, a := range armed {
		if a.spec == nil {
			continue
		}
		last = i
		needTrace = needTrace || a.spec.Uses(filter.Trace)
	}
	for i, a := range armed {
		if a.spec == nil {
			progs = append(progs, a.bpf)
			continue
		}
		s := *a.spec
		if i == last && needTrace {
			s = s.ListenerGuarded()
		}
		ps, err := s.Programs()
		if err != nil {
			return nil, -1, false, fmt.Errorf("compiling seccomp filter: %w", err)
		}
		progs = append(progs, ps...)
		if s.Uses(filter.Notify) {
			listener = len(progs) - 1 // the spec's own program comes after its guards
		}
	}
	return progs, listener, needTrace, nil
}

// createRulesets makes each armed Landlock ruleset in the kernel, here in
// the child that execs (paths resolve in its context).
func createRulesets(rs []landlock.Ruleset) ([]int, error) {
	var fds []int
	for _, r := range rs {
		fd, err := r.Create()
		if err != nil {
			closeAll(fds)
			return nil, err
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// checkArgv reads exec's arguments: strings (or numbers) from 1 on, or
// one table holding them from index 1.
func checkArgv(L *lua.LState) []string {
	if t, ok := L.Get(1).(*lua.LTable); ok {
		if L.GetTop() > 1 {
			L.ArgError(2, "exec takes an argv table or strings, not both")
		}
		n := t.Len()
		if n == 0 {
			L.ArgError(1, "argv table is empty (it must hold the path first)")
		}
		argv := make([]string, n)
		for i := range argv {
			v := t.RawGetInt(i + 1)
			if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
				L.ArgError(1, fmt.Sprintf("argv[%d] must be a string, got %s", i+1, v.Type()))
			}
			argv[i] = lua.LVAsString(v)
		}
		return argv
	}
	argv := []string{L.CheckString(1)}
	for i := 2; i <= L.GetTop(); i++ {
		v := L.Get(i)
		if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
			L.ArgError(i, "string expected, got "+v.Type().String())
		}
		argv = append(argv, lua.LVAsString(v))
	}
	return argv
}

func lookErr(err error) string {
	var ee *exec.Error
	if errors.As(err, &ee) {
		if errors.Is(ee.Err, exec.ErrNotFound) {
			return syscall.ENOENT.Error()
		}
		err = ee.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Process.waitpid(pid [, flags]) → pid, status; nil when WNOHANG finds
// nothing; nil, message on failure (ECHILD).
func (r *Runtime) processWaitpid(L *lua.LState) int {
	pid := L.OptInt(1, -1)
	flags := L.OptInt(2, 0)
	st, found, err := r.sess.Wait(pid, flags)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	if !found {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(st.Pid))
	pushStatus(L, st)
	return 2
}

// Process.wait([flags]) waits for any child.
func (r *Runtime) processWait(L *lua.LState) int {
	flags := L.OptInt(1, 0)
	L.SetTop(0)
	L.Push(lua.LNumber(-1))
	L.Push(lua.LNumber(flags))
	return r.processWaitpid(L)
}

// Process.kill(sig, pid, …) → number of processes signalled.
func (r *Runtime) processKill(L *lua.LState) int {
	sig := checkSignal(L, 1)
	if L.GetTop() < 2 {
		L.ArgError(2, "pid expected")
	}
	n := 0
	for i := 2; i <= L.GetTop(); i++ {
		pid := L.CheckInt(i)
		if err := r.sess.Kill(pid, sig); err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		n++
	}
	L.Push(lua.LNumber(n))
	return 1
}

func checkSignal(L *lua.LState, n int) syscall.Signal {
	v := L.CheckAny(n)
	if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
		L.ArgError(n, "signal expected (a name like \"TERM\" or a number), got "+v.Type().String())
	}
	sig, err := engine.ParseSignal(lua.LVAsString(v))
	if err != nil {
		L.ArgError(n, err.Error())
	}
	return sig
}

func processPid(L *lua.LState) int {
	L.Push(lua.LNumber(os.Getpid()))
	return 1
}

func processUid(L *lua.LState) int {
	L.Push(lua.LNumber(os.Getuid()))
	return 1
}

func processEuid(L *lua.LState) int {
	L.Push(lua.LNumber(os.Geteuid()))
	return 1
}

func processPpid(L *lua.LState) int {
	L.Push(lua.LNumber(os.Getppid()))
	return 1
}

// clockBase anchors Process.now; time.Since reads the monotonic clock.
var clockBase = time.Now()

// Process.now() → monotonic seconds (ns resolution), for durations.
func processNow(L *lua.LState) int {
	L.Push(lua.LNumber(time.Since(clockBase).Seconds()))
	return 1
}

// Process.time() → wall-clock seconds since the epoch (µs resolution), for
// timestamps.
func processTime(L *lua.LState) int {
	L.Push(lua.LNumber(float64(time.Now().UnixMicro()) / 1e6))
	return 1
}
