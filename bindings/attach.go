package bindings

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// decisionDetach is the callback's answer that lets every attached process
// go: the call runs, and the processes run on untraced.
const decisionDetach = "detach"

// Seccomp.attach(pid | {pid, …}, fn [, opts]) → {[pid] = status, …}: trace
// running processes (not started by this script) until they exit or the
// callback answers "detach" (or the tracer gets SIGINT, SIGTERM or SIGHUP).
// A running process has no filter of ours, so every call stops (with
// PTRACE_SYSCALL, as strace -p); fn(syscall, pid, ud, call) is called at
// each call's entry with ud 0 and decides as under start_trace, except that
// "emulate" is not available. opts: follow = true traces the children they
// fork from now on; timeout and on_exit as for start_trace. The result
// holds the statuses of the processes that exited while traced.
func (r *Runtime) seccompAttach(L *lua.LState) int {
	if r.guard != nil {
		L.RaiseError("Seccomp.attach cannot run inside a trace callback")
	}
	var pids []int
	switch v := L.Get(1).(type) {
	case lua.LNumber:
		pids = []int{int(v)}
	case *lua.LTable:
		for i := 1; i <= v.Len(); i++ {
			n, ok := v.RawGetInt(i).(lua.LNumber)
			if !ok {
				L.ArgError(1, fmt.Sprintf("pid %d of the list is a %s, not a number", i, v.RawGetInt(i).Type()))
			}
			pids = append(pids, int(n))
		}
	default:
		L.ArgError(1, "a pid or a list of pids expected, got "+L.Get(1).Type().String())
	}
	if len(pids) == 0 {
		L.ArgError(1, "no pid to attach to")
	}
	for _, p := range pids {
		if p <= 0 || float64(p) != float64(int32(p)) {
			L.ArgError(1, fmt.Sprintf("%d is not a process id", p))
		}
	}
	fn := L.CheckFunction(2)
	var o engine.AttachOptions
	timeout := r.callbackTimeout
	tr := &tracing{r: r, fn: fn, wantCall: wantsCall(fn, 4), wantPid: wantsCall(fn, 2), attached: true}
	results := L.NewTable()
	hooks := engine.Hooks{Seccomp: tr.onSeccomp}
	var onExit *lua.LFunction
	switch opts := L.Get(3).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		o.Follow = lua.LVAsBool(opts.RawGetString("follow"))
		timeout = r.optTimeout(L, opts, 3)
		switch f := opts.RawGetString("on_exit").(type) {
		case *lua.LNilType:
		case *lua.LFunction:
			onExit = f
		default:
			L.ArgError(3, "on_exit must be a function")
		}
	default:
		L.ArgError(3, "options table expected, got "+L.Get(3).Type().String())
	}
	hooks.Exit = func(st engine.Status) error {
		results.RawSetInt(st.Pid, pushStatus(L, st))
		L.Pop(1)
		if onExit == nil {
			return nil
		}
		tr.onExitFn = onExit
		return tr.onExit(st)
	}
	g := r.newGuardTimeout(timeout)
	defer g.close()
	prev := r.guard
	r.guard = g
	defer func() { r.guard = prev }()
	if err := r.sess.Attach(pids, o, hooks); err != nil {
		var he *engine.HandlerError
		if errors.As(err, &he) {
			L.RaiseError("attach: %s (detached: the processes run on)", he.Err.Error())
		}
		if errors.Is(err, engine.ErrAttachChild) {
			L.ArgError(1, "a Process.fork child is traced with Seccomp.start_trace, under its filter")
		}
		L.RaiseError("%s", err.Error())
	}
	L.Push(results)
	return 1
}
