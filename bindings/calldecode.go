package bindings

import (
	"errors"
	"fmt"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// call:format([ret] [, opts]) and call:decode([ret] [, opts]) print a call as
// strace does. At a call's entry they decode the arguments right away and
// keep that decoding for the thread; the call object an on_return callback
// receives for the same call completes a copy of it, so arguments whose
// memory does not survive the call (execve's argv) still print, and out
// arguments (read's buffer) are read at the exit with the exit's options.
// Without a decoding from the entry, the exit reads every argument then.
//
// At the exit the return value is needed: the engine's Stop does not expose
// it, so the callback passes the ret it received (c:format(ret)). If the
// Stop grows a Ret() (int64, bool) method, it is used when ret is omitted.
//
// opts: {strsize = N (-s, default 32; 0 shows no bytes), fdpaths = true
// (-y), verbose = true (-v), hex = "non-ascii" (-x), "all" (-xx),
// "non-ascii-chars" or "none", ret = n}.

// decodeCacheKey holds the per-LState cache in the Lua registry, so it lives
// and dies with the interpreter.
const decodeCacheKey = "sctrace.decode.pending"

// maxPending bounds the cache: one entry per thread with a call in flight;
// a thread that exits mid-call leaves its entry behind.
const maxPending = 4096

type pendingDecode struct {
	nr   int
	args [6]uint64
	call *decode.Call
}

type decodeCache struct{ byTid map[int]*pendingDecode }

func cacheOf(L *lua.LState) *decodeCache {
	reg, ok := L.Get(lua.RegistryIndex).(*lua.LTable)
	if !ok {
		return &decodeCache{byTid: map[int]*pendingDecode{}}
	}
	if ud, ok := reg.RawGetString(decodeCacheKey).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*decodeCache); ok {
			return c
		}
	}
	c := &decodeCache{byTid: map[int]*pendingDecode{}}
	ud := L.NewUserData()
	ud.Value = c
	reg.RawSetString(decodeCacheKey, ud)
	return c
}

// returnValuer is what an engine Stop that exposes the return value at a
// call's exit would implement.
type returnValuer interface{ Ret() (int64, bool) }

// decodedCall decodes the call object at n; the optional ret and options
// follow it on the stack.
func decodedCall(L *lua.LState) (*callRef, *decode.Call) {
	c := checkCall(L, 1, false)
	var o decode.Options
	ret, haveRet := int64(0), false
	for i := 2; i <= L.GetTop(); i++ {
		switch v := L.Get(i).(type) {
		case lua.LNumber, lua.LString: // a string: a ret beyond 2^53 ("0x…")
			n, err := toUint64(v, "return value")
			if err != nil {
				L.ArgError(i, err.Error())
			}
			ret, haveRet = int64(n), true
		case *lua.LTable:
			o = decodeOptions(L, i, v)
			if rv := v.RawGetString("ret"); rv != lua.LNil {
				n, err := toUint64(rv, "option 'ret'")
				if err != nil {
					L.ArgError(i, err.Error())
				}
				ret, haveRet = int64(n), true
			}
		case *lua.LNilType:
		default:
			L.ArgError(i, "return value (number) or options table expected, got "+v.Type().String())
		}
	}
	live := c.live()
	var mem decode.Memory
	if live {
		mem = c.rd
	}
	cache := cacheOf(L)
	tid := c.args.Tid
	atExit := live && c.rd.AtExit()
	if !atExit && !haveRet {
		d := decode.Decode(c.args.Nr, c.args.Args, mem, o)
		if live {
			if len(cache.byTid) >= maxPending {
				cache.byTid = map[int]*pendingDecode{}
			}
			cache.byTid[tid] = &pendingDecode{nr: c.args.Nr, args: c.args.Args, call: d}
		}
		return c, d
	}
	if !haveRet && live {
		if rv, ok := any(c.rd).(returnValuer); ok {
			ret, haveRet = rv.Ret()
		}
	}
	if !haveRet {
		L.RaiseError("%s: the call's return value is needed at its exit: pass the ret the on_return callback received, c:format(ret)", syscallLabel(c.args.Nr))
	}
	var d *decode.Call
	if p := cache.byTid[tid]; p != nil && p.nr == c.args.Nr && p.args == c.args.Args {
		// A copy: each completion reads the out arguments with its own
		// options, and the entry decoding stays for the next one.
		d = p.call.Copy()
	} else {
		// No decoding from the entry: the arguments are read now.
		d = decode.Decode(c.args.Nr, c.args.Args, mem, o)
		if live {
			cache.byTid[tid] = &pendingDecode{nr: c.args.Nr, args: c.args.Args, call: d.Copy()}
		}
	}
	d.Exit(ret, mem, o)
	return c, d
}

func decodeOptions(L *lua.LState, n int, t *lua.LTable) decode.Options {
	var o decode.Options
	switch v := t.RawGetString("strsize").(type) {
	case *lua.LNilType:
	case lua.LNumber:
		if v < 0 || v > 1<<20 || v != lua.LNumber(int(v)) {
			L.ArgError(n, fmt.Sprintf("option 'strsize' %v out of range 0..%d", v, 1<<20))
		}
		o.StrSize = int(v)
		if v == 0 {
			o.StrSize = -1 // decode's "none"; its 0 is the default
		}
	default:
		L.ArgError(n, "option 'strsize' must be a number, got "+v.Type().String())
	}
	switch v := t.RawGetString("fdpaths").(type) {
	case *lua.LNilType:
	case lua.LBool:
		o.FdPaths = bool(v)
	default:
		L.ArgError(n, "option 'fdpaths' must be a boolean, got "+v.Type().String())
	}
	switch v := t.RawGetString("verbose").(type) {
	case *lua.LNilType:
	case lua.LBool:
		o.Verbose = bool(v)
	default:
		L.ArgError(n, "option 'verbose' must be a boolean, got "+v.Type().String())
	}
	switch v := t.RawGetString("hex").(type) {
	case *lua.LNilType:
	case lua.LString:
		modes := map[string]decode.HexMode{"none": decode.HexNone, "non-ascii": decode.HexNonASCII,
			"all": decode.HexAll, "non-ascii-chars": decode.HexNonASCIIChars}
		m, ok := modes[string(v)]
		if !ok {
			L.ArgError(n, "option 'hex' must be none, non-ascii, non-ascii-chars or all, got '"+string(v)+"'")
		}
		o.Hex = m
	default:
		L.ArgError(n, "option 'hex' must be a string, got "+v.Type().String())
	}
	return o
}

// call:format([ret] [, opts]) → the strace line: without " = ret" at entry,
// complete at the exit.
func callFormat(L *lua.LState) int {
	_, d := decodedCall(L)
	L.Push(lua.LString(d.Format()))
	return 1
}

// call:decode([ret] [, opts]) → {name, nr, pid, tid, args = {{name, type,
// value, raw, text [, path] [, hidden]}, …}, text, line, done, noreturn
// [, ret, ret_text] [, errno, error]}.
func callDecode(L *lua.LState) int {
	c, d := decodedCall(L)
	t := L.CreateTable(0, 14)
	t.RawSetString("name", lua.LString(d.Name))
	t.RawSetString("nr", lua.LNumber(d.Nr))
	t.RawSetString("pid", lua.LNumber(c.args.Pid))
	t.RawSetString("tid", lua.LNumber(c.args.Tid))
	args := L.CreateTable(len(d.Args), 0)
	for _, a := range d.Args {
		at := L.CreateTable(0, 7)
		at.RawSetString("name", lua.LString(a.Name))
		at.RawSetString("type", lua.LString(a.Type))
		at.RawSetString("raw", typedValue(decode.ValueInt64, a.Raw))
		at.RawSetString("text", lua.LString(a.Text))
		if v := luaValue(L, a.Value); v != lua.LNil {
			at.RawSetString("value", v)
		}
		if a.Path != "" {
			at.RawSetString("path", lua.LString(a.Path))
		}
		if a.Hidden {
			at.RawSetString("hidden", lua.LTrue)
		}
		args.Append(at)
	}
	t.RawSetString("args", args)
	t.RawSetString("text", lua.LString(d.CallText()))
	t.RawSetString("line", lua.LString(d.Format()))
	t.RawSetString("done", lua.LBool(d.Done))
	t.RawSetString("noreturn", lua.LBool(d.NoReturn))
	if d.Done {
		t.RawSetString("ret", lua.LNumber(d.Ret))
		t.RawSetString("ret_text", lua.LString(d.RetText()))
	} else if d.NoReturn {
		t.RawSetString("ret_text", lua.LString(d.RetText()))
	}
	if d.Errno != 0 {
		t.RawSetString("errno", lua.LString(d.ErrnoName()))
		t.RawSetString("error", lua.LString(decode.ErrnoMessage(d.Errno)))
	}
	L.Push(t)
	return 1
}

// luaValue converts a decode.Arg value; numbers a double cannot hold
// exactly become "0x…" strings, as call.args does.
func luaValue(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case int64:
		return typedValue(decode.ValueInt64, uint64(v))
	case uint64:
		if v < 1<<53 {
			return lua.LNumber(v)
		}
		return lua.LString("0x" + strconv.FormatUint(v, 16))
	case string:
		return lua.LString(v)
	case []string:
		t := L.CreateTable(len(v), 0)
		for _, s := range v {
			t.Append(lua.LString(s))
		}
		return t
	case []int64:
		t := L.CreateTable(len(v), 0)
		for _, n := range v {
			t.Append(typedValue(decode.ValueInt64, uint64(n)))
		}
		return t
	case *decode.Sockaddr:
		t := L.CreateTable(0, 6)
		t.RawSetString("family", lua.LString(v.Family))
		if v.Addr != "" {
			t.RawSetString("addr", lua.LString(v.Addr))
			t.RawSetString("port", lua.LNumber(v.Port))
		}
		if v.Path != "" {
			t.RawSetString("path", lua.LString(v.Path))
		}
		if v.Family == "AF_NETLINK" {
			t.RawSetString("pid", lua.LNumber(v.Pid))
			t.RawSetString("groups", lua.LNumber(v.Groups))
		}
		return t
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t := L.CreateTable(0, len(v))
		for _, k := range keys {
			t.RawSetString(k, luaValue(L, v[k]))
		}
		return t
	}
	return lua.LString(fmt.Sprint(v))
}

// Seccomp.syscall_class(name) → the strace classes of a syscall, e.g.
// {"%desc", "%file"} for openat; {} for one no class covers.
func seccompSyscallClass(L *lua.LState) int {
	name := L.CheckString(1)
	classes, ok := decode.Classes(name)
	if !ok {
		if _, err := filter.SyscallNumber(name); err != nil {
			var ue *filter.UnknownSyscallError
			if errors.As(err, &ue) {
				L.ArgError(1, err.Error())
			}
			L.RaiseError("syscall_class: %s", err.Error())
		}
	}
	t := L.CreateTable(len(classes), 0)
	for _, c := range classes {
		t.Append(lua.LString(c))
	}
	L.Push(t)
	return 1
}
