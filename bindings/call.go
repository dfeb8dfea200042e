package bindings

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

const callType = "seccomp.call"

// callRef is the Lua side of one stop. The engine reuses its Stop for the
// next event, so the ref remembers which event it belongs to and refuses to
// work for any other.
type callRef struct {
	st   *engine.Stop      // the ptrace stop; nil for a notified call
	rd   engine.CallReader // the readers: st, or the notified call
	kind string            // "trace" or "notify"
	seq  uint64
	cur  *uint64  // the Runtime's current event number
	args callArgs // the stop's public fields, still readable after it
}

// callArgs is what a call object remembers of its stop: a copy of the
// public fields only (engine.Stop also holds the register file).
type callArgs struct {
	Tid, Pid, Nr int
	Args         [6]uint64
	UD           uint32
}

func (c *callRef) live() bool { return c.rd.Valid() && c.seq == *c.cur }

// traceStop is the call's ptrace stop; on a notified call it raises a Lua
// error saying that what raised it needs one.
func traceStop(L *lua.LState, c *callRef, what string) *engine.Stop {
	if c.st == nil {
		L.RaiseError("%s: not available on a notified call of %s (the kernel lets a notification supervisor neither change a call's registers nor see it return; use a trace rule)", what, syscallLabel(c.args.Nr))
	}
	return c.st
}

const maxStringRead = 1 << 20

var callMethods = map[string]lua.LGFunction{
	"string":   callString,
	"bytes":    callBytes,
	"sockaddr": callSockaddr,
	"fd_path":  callFdPath,
	"set_arg":  callSetArg,
	"arg":      callArg,
	"argv":     callArgv,
	"cwd":      callCwd,
	"format":   callFormat,
	"decode":   callDecode,
}

func (r *Runtime) registerCall() {
	L := r.L
	mt := L.NewTypeMetatable(callType)
	methods := L.SetFuncs(L.NewTable(), callMethods)
	methods.RawSetString("on_return", L.NewFunction(r.callOnReturn))
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		c := checkCall(L, 1, false)
		switch key := L.CheckString(2); key {
		case "nr":
			L.Push(lua.LNumber(c.args.Nr))
		case "name":
			L.Push(lua.LString(syscallLabel(c.args.Nr)))
		case "pid":
			L.Push(lua.LNumber(c.args.Pid))
		case "tid":
			L.Push(lua.LNumber(c.args.Tid))
		case "ud":
			L.Push(lua.LNumber(c.args.UD))
		case "kind":
			L.Push(lua.LString(c.kind))
		case "args":
			t := L.CreateTable(6, 0)
			kinds := decode.ArgKinds(c.args.Nr)
			for i, a := range c.args.Args {
				t.RawSetInt(i+1, typedValue(kinds[i], a))
			}
			L.Push(t)
		default:
			L.Push(methods.RawGetString(key))
		}
		return 1
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		c := checkCall(L, 1, false)
		L.Push(lua.LString(fmt.Sprintf("call %s(#%d) pid=%d tid=%d ud=%d", syscallLabel(c.args.Nr), c.args.Nr, c.args.Pid, c.args.Tid, c.args.UD)))
		return 1
	}))
}

func (r *Runtime) newCall(st *engine.Stop) *lua.LUserData {
	L := r.L
	r.callSeq++
	ud := L.NewUserData()
	ud.Value = &callRef{st: st, rd: st, kind: "trace", seq: r.callSeq, cur: &r.callSeq, args: callArgs{Tid: st.Tid, Pid: st.Pid, Nr: st.Nr, Args: st.Args, UD: st.UD}}
	L.SetMetatable(ud, L.GetTypeMetatable(callType))
	return ud
}

// newNotifyCall is the call object of a notified call: the same readers,
// ud 0 (SECCOMP_RET_USER_NOTIF carries no data), kind "notify".
func (r *Runtime) newNotifyCall(nc *notify.Call) *lua.LUserData {
	L := r.L
	r.callSeq++
	ud := L.NewUserData()
	ud.Value = &callRef{rd: nc, kind: "notify", seq: r.callSeq, cur: &r.callSeq, args: callArgs{Tid: nc.Tid, Pid: nc.Pid(), Nr: nc.Nr, Args: nc.Args}}
	L.SetMetatable(ud, L.GetTypeMetatable(callType))
	return ud
}

// typedValue is a register as the syscall's signature types it (see
// decode.ValueKind): int arguments sign-extended from 32 bits (-100 is
// AT_FDCWD, a -1 fd is -1, the register's upper half dropped as the kernel
// drops it), unsigned ones and pointers unsigned. A value a double cannot
// hold exactly (magnitude 2^53 or more: only 64-bit kinds) is the string
// call:arg(i) gives, "0x" and the register in lowercase hex, rather than a
// silently rounded number.
func typedValue(k decode.ValueKind, reg uint64) lua.LValue {
	v, signed := k.Convert(reg)
	if signed {
		if n := int64(v); n > -(1<<53) && n < 1<<53 {
			return lua.LNumber(n)
		}
	} else if v < 1<<53 {
		return lua.LNumber(v)
	}
	return lua.LString("0x" + strconv.FormatUint(reg, 16))
}

// maxErrno bounds the results that are failures: the kernel returns
// -4095..-1 as a negated errno from every syscall, whatever its type.
const maxErrno = 4095

// retValue is the result of syscall nr as on_return's callback gets it: a
// failure as the negative errno, anything else typed by the signature's
// return type (an int sign-extended from 32 bits, an address unsigned).
func retValue(nr int, ret int64) lua.LValue {
	if ret < 0 && ret >= -maxErrno {
		return lua.LNumber(ret)
	}
	return typedValue(decode.RetKind(nr), uint64(ret))
}

// checkCall returns the call at n; with live, it must be the current stop.
func checkCall(L *lua.LState, n int, live bool) *callRef {
	ud := L.CheckUserData(n)
	c, ok := ud.Value.(*callRef)
	if !ok {
		L.ArgError(n, "call object expected")
	}
	if live && !c.live() {
		L.RaiseError("call object of %s used outside its callback (it is valid only while the callback runs)", syscallLabel(c.args.Nr))
	}
	return c
}

func checkArgIndex(L *lua.LState, n int) int {
	i := L.CheckInt(n)
	if i < 1 || i > 6 {
		L.ArgError(n, fmt.Sprintf("argument index %d out of range 1..6", i))
	}
	return i - 1
}

func pushFail(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

// call:arg(i) → the argument as an exact "0x…" string, for 64-bit masks.
func callArg(L *lua.LState) int {
	c := checkCall(L, 1, false)
	i := checkArgIndex(L, 2)
	L.Push(lua.LString("0x" + strconv.FormatUint(c.args.Args[i], 16)))
	return 1
}

// call:string(i [, max]) reads a NUL-terminated string argument.
func callString(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	max := L.OptInt(3, 4096)
	if max < 0 || max > maxStringRead {
		L.ArgError(3, fmt.Sprintf("max %d out of range 0..%d", max, maxStringRead))
	}
	s, truncated, err := c.rd.ReadString(c.args.Args[i], max)
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(s))
	L.Push(lua.LBool(truncated))
	return 2
}

// call:bytes(i, n) reads n bytes at the pointer in argument i.
func callBytes(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	n := L.CheckInt(3)
	if n < 0 || n > maxStringRead {
		L.ArgError(3, fmt.Sprintf("length %d out of range 0..%d", n, maxStringRead))
	}
	buf := make([]byte, n)
	got, err := c.rd.ReadMemory(c.args.Args[i], buf)
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(buf[:got]))
	return 1
}

// call:sockaddr(i [, len_arg]) decodes the struct sockaddr at argument i;
// its length comes from argument len_arg (default i+1).
func callSockaddr(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	li := i + 1
	if L.GetTop() >= 3 {
		li = checkArgIndex(L, 3)
	}
	if li > 5 {
		L.ArgError(2, "no argument after it holds the length; pass len_arg")
	}
	n := c.args.Args[li]
	if n > 128 {
		n = 128 // sizeof(struct sockaddr_storage)
	}
	buf, err := sockaddrBytes(c, i, li, n)
	if err != nil {
		return pushFail(L, err)
	}
	_, sa := decode.SockaddrText(buf)
	if sa == nil {
		return pushFail(L, fmt.Errorf("sockaddr too short (%d bytes)", len(buf)))
	}
	// A sockaddr too short for its family keeps only the fields it holds.
	family := luaFamily(sa, buf)
	t := L.NewTable()
	t.RawSetString("family", lua.LString(family))
	switch family {
	case "inet", "inet6":
		if sa.Addr != "" {
			t.RawSetString("addr", lua.LString(sa.Addr))
			t.RawSetString("port", lua.LNumber(sa.Port))
		}
	case "unix":
		t.RawSetString("path", lua.LString(sa.Path))
	case "netlink":
		t.RawSetString("pid", lua.LNumber(sa.Pid))
		t.RawSetString("groups", lua.LNumber(sa.Groups))
	}
	t.RawSetString("text", lua.LString(sockaddrText(family, sa)))
	L.Push(t)
	return 1
}

// luaFamily is the Lua API's name for a sockaddr's family: "AF_INET" →
// "inet", and "af_N" for a family the decoder has no name for.
func luaFamily(sa *decode.Sockaddr, raw []byte) string {
	if !strings.HasPrefix(sa.Family, "AF_") {
		return fmt.Sprintf("af_%d", binary.NativeEndian.Uint16(raw))
	}
	return strings.ToLower(strings.TrimPrefix(sa.Family, "AF_"))
}

// sockaddrText is the sockaddr table's text field: one line for a log
// whatever the family, so that a script printing where a connect goes
// does not fail on the families it did not think of (a netlink socket,
// AF_UNSPEC to dissolve a UDP association).
func sockaddrText(family string, sa *decode.Sockaddr) string {
	switch {
	case family == "inet" && sa.Addr != "":
		return fmt.Sprintf("%s:%d", sa.Addr, sa.Port)
	case family == "inet6" && sa.Addr != "":
		return fmt.Sprintf("[%s]:%d", sa.Addr, sa.Port)
	case family == "unix" && sa.Path != "":
		return sa.Path
	case family == "unix":
		return "unix (unnamed)"
	case family == "netlink":
		return fmt.Sprintf("netlink pid=%d groups=%#x", sa.Pid, sa.Groups)
	}
	return family
}

// call:fd_path(i) is what /proc/PID/fd/N points to for the fd in argument i.
func callFdPath(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	fd := int64(int32(c.args.Args[i])) // an int: the kernel reads the low 32 bits
	if fd < 0 {
		return pushFail(L, fmt.Errorf("argument %d is not a file descriptor (%d)", i+1, fd))
	}
	p, err := c.rd.FdPath(int(fd))
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(p))
	return 1
}

// call:set_arg(i, v) changes an argument before the call runs.
func callSetArg(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	v, err := toUint64(L.CheckAny(3), "argument value")
	if err != nil {
		L.ArgError(3, err.Error())
	}
	if err := traceStop(L, c, "set_arg").SetArg(i, v); err != nil {
		L.RaiseError("set_arg: %s", err.Error())
	}
	c.args.Args[i] = v
	return 0
}

// call:on_return(fn): fn(ret, call) runs at this call's exit; a number it
// returns replaces the return value.
func (r *Runtime) callOnReturn(L *lua.LState) int {
	c := checkCall(L, 1, true)
	fn := L.CheckFunction(2)
	err := traceStop(L, c, "on_return").OnReturn(func(st *engine.Stop, ret int64) (int64, bool, error) {
		L.Push(fn)
		L.Push(retValue(st.Nr, ret))
		L.Push(r.newCall(st))
		if err := r.pcall(2, 1); err != nil {
			return 0, false, err
		}
		v := L.Get(-1)
		L.Pop(1)
		switch v.(type) {
		case *lua.LNilType:
			return 0, false, nil
		case lua.LNumber:
			n, err := toUint64(v, "return value")
			if err != nil {
				return 0, false, fmt.Errorf("on_return callback for %s: %w", syscallLabel(st.Nr), err)
			}
			return int64(n), true, nil
		case lua.LString:
			// a 64-bit value written as ret gives one ("0x…")
			if n, err := toUint64(v, "return value"); err == nil {
				return int64(n), true, nil
			}
			return 0, false, fmt.Errorf("on_return callback for %s returned a string value %q that is not an integer (expected nothing, a number or a \"0x…\" string)", syscallLabel(st.Nr), lua.LVAsString(v))
		}
		return 0, false, fmt.Errorf("on_return callback for %s returned a %s value (expected nothing, a number or a \"0x…\" string)", syscallLabel(st.Nr), v.Type())
	})
	if err != nil {
		L.RaiseError("on_return: %s", err.Error())
	}
	return 0
}

// call:argv(i [, max]) reads the NULL-terminated string array at argument
// i (execve's argv and envp), at most max entries (default 1024).
func callArgv(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := checkArgIndex(L, 2)
	max := L.OptInt(3, 1024)
	if max < 0 || max > 1<<16 {
		L.ArgError(3, fmt.Sprintf("max %d out of range 0..65536", max))
	}
	items, truncated, err := c.rd.ReadStringArray(c.args.Args[i], max, 4096)
	if err != nil {
		return pushFail(L, err)
	}
	t := L.CreateTable(len(items), 0)
	for _, s := range items {
		t.Append(lua.LString(s))
	}
	L.Push(t)
	L.Push(lua.LBool(truncated))
	return 2
}

// call:cwd() is the calling process's working directory.
func callCwd(L *lua.LState) int {
	c := checkCall(L, 1, true)
	p, err := c.rd.Cwd()
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(p))
	return 1
}
