package lua51

import (
	lua "github.com/yuin/gopher-lua"
)

// Open replaces the globals pcall and xpcall with versions that close the
// unwound frames' upvalues when they catch an error (see the package
// documentation). Argument checks, results and messages are gopher-lua's.
// Call it on a fresh state before forksnap.IndexBuiltins, on parent and
// fork child alike, so the replacements travel by name.
func Open(L *lua.LState) {
	b := &base{}
	b.noop = L.NewFunction(func(*lua.LState) int { return 0 })
	b.raise = L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("upvalues closed")
		return 0
	})
	b.closer = L.NewFunction(func(L *lua.LState) int {
		b.closeAll(L)
		return 1 // the error value, unchanged
	})
	b.inner = L.NewFunction(b.pcallInner)
	if dbg, ok := L.GetGlobal("debug").(*lua.LTable); ok {
		b.traceback, _ = dbg.RawGetString("traceback").(*lua.LFunction)
	}
	G := L.G.Global
	G.RawSetString("pcall", L.NewFunction(b.pcall))
	G.RawSetString("xpcall", L.NewFunction(b.xpcall))
}

type base struct {
	noop, raise, closer *lua.LFunction
	inner               *lua.LFunction
	traceback           *lua.LFunction // debug.traceback
}

// closeAll closes every open upvalue of L's thread. It runs inside a
// PCall's error handler, where the frames the error unwinds and their
// registers are still intact: the values are captured as they were when
// the error was raised, as Lua does.
//
// gopher-lua closes upvalues in raiseError only when no PCall handler is
// active, and each PCall clears that flag when it returns. So: one empty
// protected call (clears the flag), then one that raises (closes).
func (b *base) closeAll(L *lua.LState) {
	L.Push(b.noop)
	L.PCall(0, 0, nil)
	L.Push(b.raise)
	L.PCall(0, 0, nil)
}

// pcall is gopher-lua's basePCall with a closing handler. The call runs
// inside one more protected call (an extra Go frame): gopher-lua pushes a
// PCall's handler without checking for room, so an error that fills the
// registry (unpack of 10^7 values) would otherwise escape the pcall.
func (b *base) pcall(L *lua.LState) int {
	L.CheckAny(1)
	v := L.Get(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	nargs := L.GetTop() - 1
	L.Insert(b.inner, 1)
	if err := L.PCall(nargs+1, lua.MultRet, nil); err != nil {
		return pushFailure(L, err)
	}
	return L.GetTop()
}

// pcallInner runs in pcall's outer protected call: fn and its arguments
// are its stack.
func (b *base) pcallInner(L *lua.LState) int {
	if err := L.PCall(L.GetTop()-1, lua.MultRet, b.closer); err != nil {
		return pushFailure(L, err)
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// xpcall is gopher-lua's baseXPCall; its handler is a Go closure that
// closes the upvalues and then calls the script's handler with the error
// value. A handler that takes a traceback sees that closure as one more
// "[G]" frame, except debug.traceback itself, which is called one level up
// so `xpcall(f, debug.traceback)` prints what it prints without us.
func (b *base) xpcall(L *lua.LState) int {
	fn := L.CheckFunction(1)
	handler := L.CheckFunction(2)
	top := L.GetTop()
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, L.NewClosure(b.xpcallHandler, handler)); err != nil {
		return pushFailure(L, err)
	}
	L.Insert(lua.LTrue, top+1)
	return L.GetTop() - top
}

func (b *base) xpcallHandler(L *lua.LState) int {
	b.closeAll(L)
	h := L.Get(lua.UpvalueIndex(1))
	L.Push(h)
	L.Push(L.Get(1))
	if h == b.traceback {
		L.Push(lua.LNumber(2))
		L.Call(2, 1)
	} else {
		L.Call(1, 1)
	}
	return 1
}

func pushFailure(L *lua.LState, err error) int {
	L.Push(lua.LFalse)
	if aerr, ok := err.(*lua.ApiError); ok {
		L.Push(aerr.Object)
	} else {
		L.Push(lua.LString(err.Error()))
	}
	return 2
}
