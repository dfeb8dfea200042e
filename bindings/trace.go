package bindings

import (
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// Seccomp.start_trace(pid, fn) → status of pid. fn(syscall, pid, ud, call)
// runs at each seccomp stop of pid or any descendant; what it returns
// decides the call (see toDecision).
func (r *Runtime) seccompStartTrace(L *lua.LState) int {
	pid := L.CheckInt(1)
	fn := L.CheckFunction(2)
	if !r.sess.Pending(pid) {
		L.ArgError(1, fmt.Sprintf("pid %d is not a Process.fork child waiting to be traced (fork it, then trace it before waitpid or kill; Seccomp.attach traces a running process)", pid))
	}
	timeout := r.callbackTimeout
	if opts, ok := L.Get(3).(*lua.LTable); ok {
		timeout = r.optTimeout(L, opts, 3)
	}
	g := r.newGuardTimeout(timeout)
	defer g.close()
	prev := r.guard
	r.guard = g
	defer func() { r.guard = prev }()
	tr := &tracing{r: r, fn: fn, wantCall: wantsCall(fn, 4), wantPid: wantsCall(fn, 2)}
	hooks := engine.Hooks{Seccomp: tr.onSeccomp, Notify: tr.onNotify, Interrupt: g.interrupt}
	if opts, ok := L.Get(3).(*lua.LTable); ok {
		if f, ok := opts.RawGetString("on_listener").(*lua.LFunction); ok {
			// on_listener(fd) → true when it passed the listener on
			// (Seccomp.sendfd): notify-only children only
			hooks.Listener = func(fd int) (bool, error) {
				L.Push(f)
				L.Push(lua.LNumber(fd))
				if err := r.pcall(1, 1); err != nil {
					return false, err
				}
				handed := lua.LVAsBool(L.Get(-1))
				L.Pop(1)
				return handed, nil
			}
		} else if opts.RawGetString("on_listener") != lua.LNil {
			L.ArgError(3, "on_listener must be a function")
		}
		if f, ok := opts.RawGetString("on_exit").(*lua.LFunction); ok {
			tr.onExitFn = f
			hooks.Exit = tr.onExit
		} else if opts.RawGetString("on_exit") != lua.LNil {
			L.ArgError(3, "on_exit must be a function")
		}
	} else if L.Get(3) != lua.LNil {
		L.ArgError(3, "options table expected, got "+L.Get(3).Type().String())
	}
	st, err := r.sess.Serve(pid, hooks)
	if err != nil {
		var he *engine.HandlerError
		if errors.As(err, &he) {
			L.RaiseError("start_trace: %s (the traced processes were killed)", he.Err.Error())
		}
		L.RaiseError("start_trace: %s", err.Error())
	}
	pushStatus(L, st)
	return 1
}

// wantsCall reports whether fn takes an n-th parameter, so the per-stop
// call object is built only for callbacks that can see it.
func wantsCall(fn *lua.LFunction, n int) bool {
	if fn.IsG || fn.Proto == nil {
		return true
	}
	return int(fn.Proto.NumParameters) >= n || fn.Proto.IsVarArg != 0
}

type tracing struct {
	r        *Runtime
	attached bool // Seccomp.attach: "detach" is a decision, "emulate" is not
	fn       *lua.LFunction
	wantCall bool
	wantPid  bool // fn takes a second parameter (notify: Pid costs an ioctl)
	onExitFn *lua.LFunction
	nums     numCache
}

// numCache keeps the boxed Lua numbers the callback gets at every stop.
// Putting a float64 in an interface allocates; syscall numbers, user data
// and the pids of a trace repeat, so each is boxed once: the 3-argument
// callback path then allocates nothing of its own per stop.
type numCache struct {
	small [1024]lua.LValue
	big   map[int]lua.LValue
}

func (c *numCache) get(n int) lua.LValue {
	if n >= 0 && n < len(c.small) {
		if v := c.small[n]; v != nil {
			return v
		}
		v := lua.LValue(lua.LNumber(n))
		c.small[n] = v
		return v
	}
	if v, ok := c.big[n]; ok {
		return v
	}
	v := lua.LValue(lua.LNumber(n))
	if c.big == nil || len(c.big) > 1<<16 {
		c.big = map[int]lua.LValue{} // bounded: a fork storm's pids come and go
	}
	c.big[n] = v
	return v
}

// onExit runs opts.on_exit(pid, status) when a traced process ends. The
// process is gone, so an error here cannot leave anything stopped; it is
// reported and ends the trace like a callback error.
func (t *tracing) onExit(st engine.Status) error {
	t.r.L.Push(t.onExitFn)
	t.r.L.Push(lua.LNumber(st.Pid))
	pushStatus(t.r.L, st)
	return t.r.pcall(2, 0)
}

func (t *tracing) onSeccomp(st *engine.Stop) (engine.Decision, error) {
	L := t.r.L
	L.Push(t.fn)
	L.Push(t.nums.get(st.Nr))
	L.Push(t.nums.get(st.Pid))
	L.Push(t.nums.get(int(st.UD)))
	nargs := 3
	if t.wantCall {
		L.Push(t.r.newCall(st))
		nargs = 4
	}
	if err := t.r.pcall(nargs, 1); err != nil {
		return engine.Decision{}, err
	}
	ret := L.Get(-1)
	L.Pop(1)
	if s, ok := ret.(lua.LString); ok && s == decisionEmulate && !t.attached {
		return emulate(st)
	}
	if s, ok := ret.(lua.LString); ok && s == decisionDetach && t.attached {
		st.Detach()
		return engine.Decision{}, nil
	}
	d, err := toDecision(ret)
	if err != nil {
		return d, fmt.Errorf("callback for %s returned %w", syscallLabel(st.Nr), err)
	}
	if d.Verdict == engine.ReplyFd {
		return engine.Decision{}, fmt.Errorf("callback for %s returned {\"fd\", …}, which answers notified calls only (a trace stop cannot hand over a descriptor)", syscallLabel(st.Nr))
	}
	return d, nil
}

// onNotify runs the callback for a notified call: the same arguments as
// at a trace stop, ud 0 and call.kind "notify". A decision a notified call
// cannot take ("emulate") is an error.
func (t *tracing) onNotify(nc *notify.Call) (engine.Decision, error) {
	L := t.r.L
	L.Push(t.fn)
	L.Push(t.nums.get(nc.Nr))
	if t.wantPid {
		L.Push(t.nums.get(nc.Pid()))
	} else {
		// a callback with no pid parameter never sees it: the lookup of
		// the caller's thread group (an ioctl) is skipped
		L.Push(t.nums.get(0))
	}
	L.Push(t.nums.get(0))
	nargs := 3
	if t.wantCall {
		L.Push(t.r.newNotifyCall(nc))
		nargs = 4
	}
	if err := t.r.pcall(nargs, 1); err != nil {
		return engine.Decision{}, err
	}
	ret := L.Get(-1)
	L.Pop(1)
	if s, ok := ret.(lua.LString); ok && s == decisionEmulate {
		return engine.Decision{}, fmt.Errorf("callback for %s returned \"emulate\", which needs a trace stop (answer a notified call with {\"fd\", n} instead)", syscallLabel(nc.Nr))
	}
	d, err := toDecision(ret)
	if err != nil {
		return d, fmt.Errorf("callback for %s returned %w", syscallLabel(nc.Nr), err)
	}
	return d, nil
}

// pcall calls the function and arguments on the stack, protected. On error
// it prints the Lua message and traceback to stderr, as a Lua interpreter
// does, and returns the message.
func (r *Runtime) pcall(nargs, nret int) error {
	var err error
	if r.guard != nil {
		err = r.guard.call(r.L, nargs, nret)
	} else {
		err = r.L.PCall(nargs, nret, nil)
	}
	if err != nil {
		se := scriptError(err)
		var sErr *ScriptError
		if errors.As(se, &sErr) {
			fmt.Fprintf(r.stderr, "sctrace-lua: %s\n", sErr.Msg)
			if sErr.Traceback != "" {
				fmt.Fprintf(r.stderr, "%s\n", sErr.Traceback)
			}
		}
		return se
	}
	return nil
}

func syscallLabel(nr int) string {
	if name, err := filter.SyscallName(nr); err == nil {
		return name
	}
	return fmt.Sprintf("syscall %d", nr)
}

const decisionHelp = `nothing, "allow", "emulate", {"errno", E}, {"retval", n}, {"fd", n} (notify), "kill" or "kill_all"`

// toDecision reads a callback's answer.
func toDecision(v lua.LValue) (engine.Decision, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return engine.Decision{}, nil
	case lua.LString:
		switch string(v) {
		case "allow":
			return engine.Decision{}, nil
		case "kill":
			return engine.Decision{Verdict: engine.KillProcess}, nil
		case "kill_all":
			return engine.Decision{Verdict: engine.KillAll}, nil
		}
		return engine.Decision{}, fmt.Errorf("an unknown decision %q (expected %s)", string(v), decisionHelp)
	case *lua.LTable:
		switch kind := lua.LVAsString(v.RawGetInt(1)); kind {
		case "errno":
			e, err := toErrno(v.RawGetInt(2))
			if err != nil {
				return engine.Decision{}, fmt.Errorf("{\"errno\", …}: %w", err)
			}
			return engine.Decision{Verdict: engine.Fail, Value: int64(e)}, nil
		case "retval":
			n, err := toUint64(v.RawGetInt(2), "return value") // a number or a "0x…" string
			if err != nil {
				return engine.Decision{}, fmt.Errorf("{\"retval\", …}: %w", err)
			}
			return engine.Decision{Verdict: engine.Return, Value: int64(n)}, nil
		case "fd":
			// {"fd", n [, cloexec = true]}: a notified call returns a copy
			// of the supervisor's descriptor n (SECCOMP_IOCTL_NOTIF_ADDFD)
			n, ok := v.RawGetInt(2).(lua.LNumber)
			if !ok || n < 0 || n != lua.LNumber(int32(n)) {
				return engine.Decision{}, fmt.Errorf("{\"fd\", …}: a descriptor number expected, got %s", lua.LVAsString(v.RawGetInt(2)))
			}
			return engine.Decision{Verdict: engine.ReplyFd, Value: int64(n), Cloexec: lua.LVAsBool(v.RawGetString("cloexec"))}, nil
		default:
			return engine.Decision{}, fmt.Errorf("an unknown decision {%q, …} (expected %s)", kind, decisionHelp)
		}
	}
	return engine.Decision{}, fmt.Errorf("a %s value as its decision (expected %s)", v.Type(), decisionHelp)
}

// optTimeout is the callback time limit with an options table's
// timeout = seconds (argument n): the shorter of it and the command line's
// --callback-timeout (0: none).
func (r *Runtime) optTimeout(L *lua.LState, opts *lua.LTable, n int) time.Duration {
	timeout := r.callbackTimeout
	if v := opts.RawGetString("timeout"); v != lua.LNil {
		secs, ok := v.(lua.LNumber)
		if !ok || secs <= 0 {
			L.ArgError(n, "timeout must be a positive number of seconds")
		}
		if d := time.Duration(float64(secs) * float64(time.Second)); timeout == 0 || d < timeout {
			timeout = d
		}
	}
	return timeout
}
