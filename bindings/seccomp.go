package bindings

import (
	"encoding/json"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

func (r *Runtime) seccompModule() *lua.LTable {
	funcs := map[string]lua.LGFunction{
		"new":             r.seccompNew,
		"arg":             seccompArg,
		"syscall_to_name": seccompSyscallToName,
		"syscall_to_i":    seccompSyscallToI,
		"start_trace":     r.seccompStartTrace,
		"attach":          r.seccompAttach,
		"errno":           seccompErrno,
		"syscall_class":   seccompSyscallClass,
		"open_beneath":    seccompOpenBeneath,
		"close":           seccompClose,
		"sendfd":          seccompSendfd,
		"recvfd":          seccompRecvfd,
		"serve":           r.seccompServe,
	}
	return r.L.SetFuncs(r.L.NewTable(), funcs)
}

// Seccomp.new(opts, fn): opts.default is the default action; fn, if given,
// is called with the context to add rules.
func (r *Runtime) seccompNew(L *lua.LState) int {
	opts := L.CheckTable(1)
	def := opts.RawGetString("default")
	if def == lua.LNil {
		L.ArgError(1, "missing option 'default' (the action for syscalls no rule matches, e.g. {default = \"allow\"})")
	}
	a, err := toAction(def)
	if err != nil {
		L.ArgError(1, "option 'default': "+err.Error())
	}
	ctx := &contextValue{spec: filter.Spec{Default: a}}
	ud := newContext(L, ctx)
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		fn := L.CheckFunction(2)
		L.Push(fn)
		L.Push(ud)
		L.Call(1, 0)
	}
	L.Push(ud)
	return 1
}

// Seccomp.arg(i, op, v [, v2]) builds an argument condition; i is 1-based.
func seccompArg(L *lua.LState) int {
	i, err := toInt(L.CheckAny(1), "argument index")
	if err != nil {
		L.ArgError(1, err.Error())
	}
	if i < 1 || i > 6 {
		L.ArgError(1, fmt.Sprintf("condition argument index %d out of range 1..6", i))
	}
	op := L.CheckString(2)
	if _, err := filter.ParseOp(op); err != nil {
		L.ArgError(2, err.Error())
	}
	t := L.NewTable()
	t.RawSetString("arg", lua.LNumber(i))
	t.RawSetString("op", lua.LString(op))
	t.RawSetString("value", L.CheckAny(3))
	if _, err := toUint64(L.Get(3), "condition value"); err != nil {
		L.ArgError(3, err.Error())
	}
	if op == "&=" {
		t.RawSetString("value2", L.CheckAny(4))
		if _, err := toUint64(L.Get(4), "condition value"); err != nil {
			L.ArgError(4, err.Error())
		}
	}
	if _, err := toCond(t); err != nil {
		L.ArgError(3, err.Error())
	}
	L.Push(t)
	return 1
}

func seccompSyscallToName(L *lua.LState) int {
	nr := L.CheckInt(1)
	name, err := filter.SyscallName(nr)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	L.Push(lua.LString(name))
	return 1
}

func seccompSyscallToI(L *lua.LState) int {
	name := L.CheckString(1)
	nr, err := filter.SyscallNumber(name)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	L.Push(lua.LNumber(nr))
	return 1
}

// Seccomp.errno(name) → number, for scripts that compare return values.
func seccompErrno(L *lua.LState) int {
	e, err := toErrno(L.CheckAny(1))
	if err != nil {
		L.ArgError(1, err.Error())
	}
	L.Push(lua.LNumber(e))
	return 1
}

// ---- the context ----

const contextType = "seccomp.context"

// contextValue is the Go side of a Seccomp context: plain data, so it can
// cross a fork and be built into BPF where it is loaded.
type contextValue struct{ spec filter.Spec }

func (c *contextValue) CarryType() string { return contextType }

func (c *contextValue) CarryEncode() ([]byte, error) { return encodeSpec(c.spec) }

var contextMethods = map[string]lua.LGFunction{
	"allow":          ruleMethod("allow"),
	"kill":           ruleMethod("kill"),
	"kill_process":   ruleMethod("kill_process"),
	"kill_thread":    ruleMethod("kill_thread"),
	"trap":           ruleMethod("trap"),
	"log":            ruleMethod("log"),
	"notify":         ruleMethod("notify"),
	"errno":          ctxErrno,
	"trace":          ctxTrace,
	"add_rule":       ctxAddRule,
	"reset":          ctxReset,
	"export_pfc":     ctxExportPFC,
	"export_bpf":     ctxExportBPF,
	"rules":          ctxRules,
	"default_action": ctxDefault,
	"guard":          ctxGuard,
	"guards":         ctxGuards,
}

func (r *Runtime) registerContext() {
	L := r.L
	mt := L.NewTypeMetatable(contextType)
	methods := L.SetFuncs(L.NewTable(), contextMethods)
	// load arms the filter for this Runtime's exec.
	methods.RawSetString("load", L.NewFunction(r.ctxLoad))
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", L.NewFunction(ctxToString))
}

func newContext(L *lua.LState, c *contextValue) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = c
	L.SetMetatable(ud, L.GetTypeMetatable(contextType))
	return ud
}

func checkContext(L *lua.LState, n int) *contextValue {
	ud := L.CheckUserData(n)
	if c, ok := ud.Value.(*contextValue); ok {
		return c
	}
	L.ArgError(n, "seccomp context expected")
	return nil
}

// addRule adds action for the syscall at stack index sc, with the
// conditions from index conds on.
func addRule(L *lua.LState, c *contextValue, a filter.Action, sc, conds int) {
	nr, err := toSyscall(L.CheckAny(sc))
	if err != nil {
		L.ArgError(sc, err.Error())
	}
	rule := filter.Rule{Action: a, Syscall: nr}
	for i := conds; i <= L.GetTop(); i++ {
		cond, err := toCond(L.Get(i))
		if err != nil {
			L.ArgError(i, err.Error())
		}
		rule.Conds = append(rule.Conds, cond)
	}
	if err := c.spec.Add(rule); err != nil {
		L.RaiseError("%s", err.Error())
	}
}

// ruleMethod makes ctx:allow(sc, …), ctx:kill(sc, …) and the like.
func ruleMethod(name string) lua.LGFunction {
	a, err := filter.ActionByName(name)
	if err != nil {
		panic("bindings: bad built-in action name " + name)
	}
	return func(L *lua.LState) int {
		c := checkContext(L, 1)
		addRule(L, c, a, 2, 3)
		L.Push(L.Get(1))
		return 1
	}
}

// ctx:errno(E, sc, …): errno first, as in mruby-seccomp.
func ctxErrno(L *lua.LState) int {
	c := checkContext(L, 1)
	e, err := toErrno(L.CheckAny(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	a, err := filter.ErrnoAction(e)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	addRule(L, c, a, 3, 4)
	L.Push(L.Get(1))
	return 1
}

// ctx:trace(sc, ud, …): ud reaches the tracer's callback.
func ctxTrace(L *lua.LState) int {
	c := checkContext(L, 1)
	ud, err := toInt(L.CheckAny(3), "trace user data")
	if err != nil {
		L.ArgError(3, err.Error())
	}
	a, err := filter.TraceAction(ud)
	if err != nil {
		L.ArgError(3, err.Error())
	}
	addRule(L, c, a, 2, 4)
	L.Push(L.Get(1))
	return 1
}

// ctx:add_rule(action, sc, …).
func ctxAddRule(L *lua.LState) int {
	c := checkContext(L, 1)
	a, err := toAction(L.CheckAny(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	addRule(L, c, a, 3, 4)
	L.Push(L.Get(1))
	return 1
}

// ctx:reset(action) drops every rule and sets a new default.
func ctxReset(L *lua.LState) int {
	c := checkContext(L, 1)
	a := c.spec.Default
	if L.GetTop() >= 2 {
		var err error
		if a, err = toAction(L.Get(2)); err != nil {
			L.ArgError(2, err.Error())
		}
	}
	c.spec = filter.Spec{Default: a, Guards: c.spec.Guards} // guards stay: reset drops rules
	L.Push(L.Get(1))
	return 1
}

func ctxExportPFC(L *lua.LState) int {
	c := checkContext(L, 1)
	s, err := c.spec.PFC()
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LString(s))
	return 1
}

func ctxExportBPF(L *lua.LState) int {
	c := checkContext(L, 1)
	b, err := c.spec.BPF()
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LString(b))
	return 1
}

// ctx:rules() → a list of {syscall=name, action=string, conds={...}}.
func ctxRules(L *lua.LState) int {
	c := checkContext(L, 1)
	out := L.NewTable()
	for _, rule := range c.spec.Rules {
		t := L.NewTable()
		name, _ := filter.SyscallName(rule.Syscall)
		t.RawSetString("syscall", lua.LString(name))
		t.RawSetString("nr", lua.LNumber(rule.Syscall))
		t.RawSetString("action", lua.LString(rule.Action.String()))
		conds := L.NewTable()
		for _, cd := range rule.Conds {
			conds.Append(lua.LString(cd.String()))
		}
		t.RawSetString("conds", conds)
		out.Append(t)
	}
	L.Push(out)
	return 1
}

// ctx:default_action() → the default action as text ("allow", "errno(EPERM)").
func ctxDefault(L *lua.LState) int {
	L.Push(lua.LString(checkContext(L, 1).spec.Default.String()))
	return 1
}

// ctx:guard(name, …) asks for kernel-side guards ("ptrace", "untraced",
// "io_uring", "tiocsti"), installed by load() as a filter before this one.
func ctxGuard(L *lua.LState) int {
	c := checkContext(L, 1)
	for i := 2; i <= L.GetTop(); i++ {
		if err := c.spec.AddGuard(filter.Guard(L.CheckString(i))); err != nil {
			L.ArgError(i, err.Error())
		}
	}
	L.Push(L.Get(1))
	return 1
}

// ctx:guards() → the guard names, and a table name → what it refuses.
func ctxGuards(L *lua.LState) int {
	c := checkContext(L, 1)
	names, docs := L.NewTable(), L.NewTable()
	for _, g := range c.spec.Guards {
		names.Append(lua.LString(g))
		docs.RawSetString(string(g), lua.LString(filter.GuardDoc(g)))
	}
	L.Push(names)
	L.Push(docs)
	return 2
}

func ctxToString(L *lua.LState) int {
	c := checkContext(L, 1)
	L.Push(lua.LString(fmt.Sprintf("Seccomp context (%s)", c.spec.String())))
	return 1
}

// ctx:load() arms the filter: exec() installs it in the same step as execve.
// Loading it into this Go process would let the Go runtime's own syscalls hit
// it (a strict filter kills the runtime), and in the tracer it would filter
// the tracer itself.
func (r *Runtime) ctxLoad(L *lua.LState) int {
	c := checkContext(L, 1)
	if !r.inChild {
		L.RaiseError("ctx:load() outside a Process.fork block would filter the tracer itself; call it inside the forked function, before exec()")
	}
	if _, err := c.spec.TracerGuarded().Programs(); err != nil {
		L.RaiseError("loading seccomp filter: %s", err.Error())
	}
	if c.spec.Uses(filter.Notify) {
		for _, a := range r.armed {
			if a.spec != nil && a.spec.Uses(filter.Notify) {
				L.RaiseError("loading seccomp filter: a context with notify rules is loaded already (the kernel allows one notification listener per process: put the notify rules in one context)")
			}
		}
	}
	spec := c.spec
	r.armed = append(r.armed, armedProgram{spec: &spec})
	L.Push(L.Get(1))
	return 1
}

func encodeSpec(s filter.Spec) ([]byte, error) { return json.Marshal(s) }

// decodeContext rebuilds a context carried across a fork; the bytes come
// from a pipe, so they are validated like any input.
func decodeContext(L *lua.LState, data []byte) (lua.LValue, error) {
	var s filter.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding seccomp context: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("decoding seccomp context: %w", err)
	}
	return newContext(L, &contextValue{spec: s}), nil
}
