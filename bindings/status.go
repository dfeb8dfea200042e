package bindings

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

const statusType = "process.status"

var statusMethods = map[string]lua.LGFunction{
	"exited":     statusBool(engine.Status.Exited),
	"signaled":   statusBool(engine.Status.Signaled),
	"stopped":    statusBool(engine.Status.Stopped),
	"success":    statusBool(engine.Status.Success),
	"coredump":   statusBool(engine.Status.CoreDump),
	"exitstatus": statusExitStatus,
	"termsig":    statusTermSig,
	"stopsig":    statusStopSig,
	"to_i":       statusToI,
}

func registerStatus(L *lua.LState) {
	mt := L.NewTypeMetatable(statusType)
	methods := L.SetFuncs(L.NewTable(), statusMethods)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		st := checkStatus(L, 1)
		key := L.CheckString(2)
		if key == "pid" {
			L.Push(lua.LNumber(st.Pid))
			return 1
		}
		L.Push(methods.RawGetString(key))
		return 1
	}))
	mt.RawSetString("__tostring", L.NewFunction(statusToString))
	mt.RawSetString("__eq", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(*checkStatus(L, 1) == *checkStatus(L, 2)))
		return 1
	}))
}

func pushStatus(L *lua.LState, st engine.Status) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = &st
	L.SetMetatable(ud, L.GetTypeMetatable(statusType))
	L.Push(ud)
	return ud
}

func checkStatus(L *lua.LState, n int) *engine.Status {
	ud := L.CheckUserData(n)
	if st, ok := ud.Value.(*engine.Status); ok {
		return st
	}
	L.ArgError(n, "process status expected")
	return nil
}

func statusBool(f func(engine.Status) bool) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(lua.LBool(f(*checkStatus(L, 1))))
		return 1
	}
}

// Ruby's accessors return nil when they do not apply; so do these.
func statusExitStatus(L *lua.LState) int {
	st := checkStatus(L, 1)
	if !st.Exited() {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(st.ExitStatus()))
	return 1
}

func statusTermSig(L *lua.LState) int {
	st := checkStatus(L, 1)
	if !st.Signaled() {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(st.Signal()))
	return 1
}

func statusStopSig(L *lua.LState) int {
	st := checkStatus(L, 1)
	if !st.Stopped() {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(st.Signal()))
	return 1
}

// to_i is the shell's view: exit code, or 128+N for signal N.
func statusToI(L *lua.LState) int {
	L.Push(lua.LNumber(checkStatus(L, 1).ShellCode()))
	return 1
}

// statusString is Ruby's #<Process::Status: …> form.
func statusString(st engine.Status) string {
	switch {
	case st.Exited():
		return fmt.Sprintf("#<Process::Status: pid=%d,exited(%d)>", st.Pid, st.ExitStatus())
	case st.Signaled():
		core := ""
		if st.CoreDump() {
			core = ",core dumped"
		}
		return fmt.Sprintf("#<Process::Status: pid=%d,signaled(%s)%s>", st.Pid, engine.SignalName(st.Signal()), core)
	case st.Stopped():
		return fmt.Sprintf("#<Process::Status: pid=%d,stopped(%s)>", st.Pid, engine.SignalName(st.Signal()))
	}
	return fmt.Sprintf("#<Process::Status: pid=%d,status=%#x>", st.Pid, uint32(st.WS))
}

func statusToString(L *lua.LState) int {
	L.Push(lua.LString(statusString(*checkStatus(L, 1))))
	return 1
}
