package forksnap

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// ErrUncarriable matches every *UncarriableError under errors.Is, so callers
// can tell "the script captured something that cannot cross a fork" (a
// script bug worth a friendly message) from I/O or format failures.
var ErrUncarriable = errors.New("value cannot be carried into the forked child")

// UncarriableError names the variable through which the forked function
// reaches a value that cannot be rebuilt in the child, because a bare
// "cannot carry userdata" is useless when the culprit is three tables deep.
type UncarriableError struct {
	Path   string // e.g. "upvalue 'logf' → field 'out'" or "global 'conn'"
	Type   string // e.g. "userdata FILE*", "thread", "Go function"
	Reason string // why it cannot travel and what to do instead
}

func (e *UncarriableError) Error() string {
	return fmt.Sprintf("cannot carry %s (%s) into the forked child: %s", e.Path, e.Type, e.Reason)
}

func (e *UncarriableError) Unwrap() error { return ErrUncarriable }

// describe returns the type label and hint for a value that cannot travel.
func describe(L *lua.LState, v lua.LValue) (typ, reason string) {
	switch v := v.(type) {
	case *lua.LState:
		return "thread", "coroutines cannot cross a fork; create the coroutine inside the block"
	case lua.LChannel:
		return "channel", "channels cannot cross a fork; create it inside the block"
	case *lua.LFunction:
		if v.IsG {
			return "Go function", "only the interpreter's built-in functions cross a fork (by name); Go closures made at run time cannot be rebuilt"
		}
		return "Lua function", "its chunk was not compiled through forksnap.Chunks, so the child cannot recompile it"
	case *lua.LUserData:
		name := userdataTypeName(L, v)
		if name == "FILE*" {
			return "userdata FILE*", "open files cannot cross a fork; open it inside the block"
		}
		typ = "userdata"
		if name != "" {
			typ += " " + name
		}
		return typ, fmt.Sprintf("host value %T does not implement forksnap.Carrier; create it inside the block", v.Value)
	}
	return v.Type().String(), "this kind of value cannot cross a fork"
}

// userdataTypeName finds the registry name of the userdata's metatable, the
// name L.NewTypeMetatable registered (e.g. "FILE*"); gopher-lua keeps no
// __name field. It runs only when building an error.
func userdataTypeName(L *lua.LState, ud *lua.LUserData) string {
	mt, ok := ud.Metatable.(*lua.LTable)
	if !ok {
		return ""
	}
	name := ""
	reg := L.G.Registry
	for k, v := reg.Next(lua.LNil); k != lua.LNil; k, v = reg.Next(k) {
		if s, ok := k.(lua.LString); ok && v == mt {
			name = string(s)
			break
		}
	}
	return name
}
