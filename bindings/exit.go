package bindings

import (
	"os"

	lua "github.com/yuin/gopher-lua"
)

// osExit replaces os.exit so that forked children that were never released
// are killed and reaped first; tracees die with the tracer through
// PTRACE_O_EXITKILL. Like Lua's, it cannot be caught by pcall.
// true/false mean 0/1 as in Lua 5.2.
func (r *Runtime) osExit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1).(type) {
	case lua.LBool:
		if !v {
			code = 1
		}
	case lua.LNumber:
		code = int(v)
	case *lua.LNilType:
	default:
		L.ArgError(1, "expected a number or boolean, got "+v.Type().String())
	}
	r.sess.Close()
	os.Stdout.Sync()
	os.Exit(code)
	return 0
}
