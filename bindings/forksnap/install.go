package forksnap

import (
	"fmt"
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Install routes every way a script can compile code through c, so that
// functions from load()ed strings and require()d modules stay carriable.
// The replacements keep gopher-lua's argument handling, chunk names and
// return conventions. Call it before IndexBuiltins: the replacements are
// new Go functions, and only indexed Go functions can be carried.
func (c *Chunks) Install(L *lua.LState) {
	G := L.G.Global
	G.RawSetString("load", L.NewFunction(c.baseLoad))
	G.RawSetString("loadstring", L.NewFunction(c.baseLoadString))
	G.RawSetString("loadfile", L.NewFunction(c.baseLoadFile))
	G.RawSetString("dofile", L.NewFunction(c.baseDoFile))

	// package.loaders and the registry's _LOADERS are one table (see
	// OpenPackage); require reads the registry copy. gopher-lua puts its
	// Lua-file searcher second, after the preload searcher.
	if loaders, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADERS").(*lua.LTable); ok {
		if fn, ok := loaders.RawGetInt(2).(*lua.LFunction); ok && fn.IsG {
			loaders.RawSetInt(2, L.NewFunction(c.loaderLua))
		}
	}
}

func pushLoaded(L *lua.LState, fn *lua.LFunction, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

func (c *Chunks) baseLoad(L *lua.LState) int {
	reader := L.CheckFunction(1)
	chunkname := L.OptString(2, "?")
	top := L.GetTop()
	var buf strings.Builder
	for {
		L.SetTop(top)
		L.Push(reader)
		L.Call(0, 1)
		ret := L.Get(-1)
		L.Pop(1)
		if ret == lua.LNil {
			break
		}
		if !lua.LVCanConvToString(ret) {
			L.Push(lua.LNil)
			L.Push(lua.LString("reader function must return a string"))
			return 2
		}
		s := ret.String()
		if s == "" {
			break
		}
		buf.WriteString(s)
	}
	fn, err := c.Load(L, []byte(buf.String()), chunkname)
	return pushLoaded(L, fn, err)
}

func (c *Chunks) baseLoadString(L *lua.LState) int {
	src := L.CheckString(1)
	fn, err := c.Load(L, []byte(src), L.OptString(2, "<string>"))
	return pushLoaded(L, fn, err)
}

// baseLoadFile keeps gopher-lua's loadfile quirks: no "#" line skipping and
// its own "can not open file" message.
func (c *Chunks) baseLoadFile(L *lua.LState) int {
	var data []byte
	var chunkname string
	if L.GetTop() < 1 {
		chunkname = "<stdin>"
		var err error
		if data, err = io.ReadAll(os.Stdin); err != nil {
			return pushLoaded(L, nil, err)
		}
	} else {
		chunkname = L.CheckString(1)
		var err error
		if data, err = os.ReadFile(chunkname); err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(fmt.Sprintf("can not open file: %v", chunkname)))
			return 2
		}
	}
	fn, err := c.Load(L, data, chunkname)
	return pushLoaded(L, fn, err)
}

func (c *Chunks) baseDoFile(L *lua.LState) int {
	src := L.ToString(1)
	top := L.GetTop()
	fn, err := c.LoadFile(L, src)
	if err != nil {
		L.Push(lua.LString(err.Error()))
		L.Panic(L)
	}
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// loaderLua is gopher-lua's package.path searcher with the load swapped.
func (c *Chunks) loaderLua(L *lua.LState) int {
	name := L.CheckString(1)
	path, msg := findFile(L, name, "path")
	if path == "" {
		L.Push(lua.LString(msg))
		return 1
	}
	fn, err := c.LoadFile(L, path)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	L.Push(fn)
	return 1
}

func findFile(L *lua.LState, name, pname string) (string, string) {
	name = strings.ReplaceAll(name, ".", string(os.PathSeparator))
	lv := L.GetField(L.GetField(L.Get(lua.EnvironIndex), "package"), pname)
	path, ok := lv.(lua.LString)
	if !ok {
		L.RaiseError("package.%s must be a string", pname)
	}
	var messages []string
	for _, pattern := range strings.Split(string(path), ";") {
		luapath := strings.ReplaceAll(pattern, "?", name)
		_, err := os.Stat(luapath)
		if err == nil {
			return luapath, ""
		}
		messages = append(messages, err.Error())
	}
	return "", strings.Join(messages, "\n\t")
}
