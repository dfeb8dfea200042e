package bindings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/landlock"
)

// ---- the Landlock table ----

func (r *Runtime) landlockModule() *lua.LTable {
	funcs := map[string]lua.LGFunction{
		"new":        landlockNew,
		"abi":        landlockABI,
		"kernel_abi": landlockKernelABI,
	}
	return r.L.SetFuncs(r.L.NewTable(), funcs)
}

const rulesetType = "landlock.ruleset"

// rulesetValue is the Go side of a Landlock ruleset: plain data, carried
// across a fork and created in the kernel by the child's exec().
type rulesetValue struct{ rs landlock.Ruleset }

func (v *rulesetValue) CarryType() string { return rulesetType }

func (v *rulesetValue) CarryEncode() ([]byte, error) { return json.Marshal(v.rs) }

func decodeRuleset(L *lua.LState, data []byte) (lua.LValue, error) {
	var rs landlock.Ruleset
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil, fmt.Errorf("decoding landlock ruleset: %w", err)
	}
	if err := rs.Validate(); err != nil {
		return nil, fmt.Errorf("decoding landlock ruleset: %w", err)
	}
	return newRuleset(L, &rulesetValue{rs: rs}), nil
}

var rulesetMethods = map[string]lua.LGFunction{
	"allow":       rulesetAllow,
	"allow_port":  rulesetAllowPort,
	"abi":         rulesetABI,
	"best_effort": rulesetBestEffort,
	"rules":       rulesetRules,
}

func (r *Runtime) registerRuleset() {
	L := r.L
	mt := L.NewTypeMetatable(rulesetType)
	methods := L.SetFuncs(L.NewTable(), rulesetMethods)
	methods.RawSetString("load", L.NewFunction(r.rulesetLoad))
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkRuleset(L, 1).rs.String()))
		return 1
	}))
}

func newRuleset(L *lua.LState, v *rulesetValue) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = v
	L.SetMetatable(ud, L.GetTypeMetatable(rulesetType))
	return ud
}

func checkRuleset(L *lua.LState, n int) *rulesetValue {
	ud := L.CheckUserData(n)
	if v, ok := ud.Value.(*rulesetValue); ok {
		return v
	}
	L.ArgError(n, "landlock ruleset expected")
	return nil
}

// names reads a string or a list of strings.
func names(L *lua.LState, v lua.LValue, what string) []string {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LString:
		return []string{string(v)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				L.ArgError(1, fmt.Sprintf("option '%s': entry %d is a %s, not a name", what, i, v.RawGetInt(i).Type()))
			}
			out = append(out, string(s))
		}
		return out
	}
	L.ArgError(1, fmt.Sprintf("option '%s': a name or a list of names expected, got %s", what, v.Type()))
	return nil
}

// Landlock.new(opts [, fn]): opts.fs, opts.net, opts.scope name what the
// ruleset handles (a name or a list: fs "read", "write", "execute", "all"
// or rights like "make_reg"; net "bind_tcp", "connect_tcp", "tcp"; scope
// "abstract_unix_socket", "signal", "all"). fn(ruleset), if given, adds
// rules.
func landlockNew(L *lua.LState) int {
	opts := L.CheckTable(1)
	var rs landlock.Ruleset
	opts.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); !ok || (s != "fs" && s != "net" && s != "scope") {
			L.ArgError(1, fmt.Sprintf("unknown option %s (options: fs, net, scope)", k.String()))
		}
	})
	for _, n := range names(L, opts.RawGetString("fs"), "fs") {
		f, err := landlock.ParseFS(n)
		if err != nil {
			L.ArgError(1, "option 'fs': "+err.Error())
		}
		rs.FS |= f
	}
	for _, n := range names(L, opts.RawGetString("net"), "net") {
		f, err := landlock.ParseNet(n)
		if err != nil {
			L.ArgError(1, "option 'net': "+err.Error())
		}
		rs.Net |= f
	}
	for _, n := range names(L, opts.RawGetString("scope"), "scope") {
		f, err := landlock.ParseScope(n)
		if err != nil {
			L.ArgError(1, "option 'scope': "+err.Error())
		}
		rs.Scope |= f
	}
	if rs.Empty() {
		L.ArgError(1, "the ruleset handles nothing (give fs, net or scope rights to restrict)")
	}
	ud := newRuleset(L, &rulesetValue{rs: rs})
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		L.Push(L.CheckFunction(2))
		L.Push(ud)
		L.Call(1, 0)
	}
	L.Push(ud)
	return 1
}

func landlockABI(L *lua.LState) int {
	L.Push(lua.LNumber(landlock.ABI()))
	return 1
}

func landlockKernelABI(L *lua.LState) int {
	L.Push(lua.LNumber(landlock.KernelABI()))
	return 1
}

// ruleset:allow(path, right, …): allow the rights (default: every handled
// filesystem right) beneath path, a directory, or on it, a file. The path
// must exist; a relative one is made absolute now.
func rulesetAllow(L *lua.LState) int {
	v := checkRuleset(L, 1)
	path := L.CheckString(2)
	if v.rs.FS == 0 {
		L.ArgError(1, "the ruleset handles no filesystem right (Landlock.new{fs = …})")
	}
	access := v.rs.FS
	if L.GetTop() >= 3 {
		access = 0
		for i := 3; i <= L.GetTop(); i++ {
			f, err := landlock.ParseFS(L.CheckString(i))
			if err != nil {
				L.ArgError(i, err.Error())
			}
			access |= f
		}
		if access&^v.rs.FS != 0 {
			L.ArgError(3, fmt.Sprintf("allows %s, which the ruleset does not handle", strings.Join((access&^v.rs.FS).Names(), ", ")))
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	if _, err := os.Stat(abs); err != nil {
		L.ArgError(2, fmt.Sprintf("%s: %s (a Landlock rule needs an existing file or directory)", path, unwrapPath(err)))
	}
	v.rs.Paths = append(v.rs.Paths, landlock.PathRule{Path: abs, Access: access})
	L.Push(L.Get(1))
	return 1
}

// ruleset:allow_port(port, right, …): allow the network rights (default:
// every handled one) on a TCP port.
func rulesetAllowPort(L *lua.LState) int {
	v := checkRuleset(L, 1)
	port := L.CheckInt(2)
	if port < 0 || port > 65535 {
		L.ArgError(2, fmt.Sprintf("port %d out of range 0..65535", port))
	}
	if v.rs.Net == 0 {
		L.ArgError(1, "the ruleset handles no network right (Landlock.new{net = …})")
	}
	access := v.rs.Net
	if L.GetTop() >= 3 {
		access = 0
		for i := 3; i <= L.GetTop(); i++ {
			n, err := landlock.ParseNet(L.CheckString(i))
			if err != nil {
				L.ArgError(i, err.Error())
			}
			access |= n
		}
		if access&^v.rs.Net != 0 {
			L.ArgError(3, fmt.Sprintf("allows %s, which the ruleset does not handle", strings.Join((access&^v.rs.Net).Names(), ", ")))
		}
	}
	v.rs.Ports = append(v.rs.Ports, landlock.PortRule{Port: uint16(port), Access: access})
	L.Push(L.Get(1))
	return 1
}

// ruleset:abi() → the least ABI that enforces it, and its newest right.
func rulesetABI(L *lua.LState) int {
	abi, which := checkRuleset(L, 1).rs.MinABI()
	L.Push(lua.LNumber(abi))
	L.Push(lua.LString(which))
	return 2
}

// ruleset:best_effort([abi]) drops what ABI abi (default: Landlock.abi())
// cannot enforce and returns the names of the dropped rights (an empty
// table when nothing was dropped) and whether anything is left to enforce.
func rulesetBestEffort(L *lua.LState) int {
	v := checkRuleset(L, 1)
	abi := L.OptInt(2, landlock.ABI())
	rs, dropped := v.rs.Downgrade(abi)
	v.rs = rs
	t := L.NewTable()
	for _, d := range dropped {
		t.Append(lua.LString(d))
	}
	L.Push(t)
	L.Push(lua.LBool(!rs.Empty()))
	return 2
}

func nameList(L *lua.LState, ns []string) *lua.LTable {
	t := L.NewTable()
	for _, n := range ns {
		t.Append(lua.LString(n))
	}
	return t
}

// ruleset:rules() → {fs=, net=, scope= (name lists), paths={{path=,
// access=}…}, ports={{port=, access=}…}}.
func rulesetRules(L *lua.LState) int {
	rs := checkRuleset(L, 1).rs
	t := L.NewTable()
	t.RawSetString("fs", nameList(L, rs.FS.Names()))
	t.RawSetString("net", nameList(L, rs.Net.Names()))
	t.RawSetString("scope", nameList(L, rs.Scope.Names()))
	paths := L.NewTable()
	for _, p := range rs.Paths {
		e := L.NewTable()
		e.RawSetString("path", lua.LString(p.Path))
		e.RawSetString("access", nameList(L, p.Access.Names()))
		paths.Append(e)
	}
	t.RawSetString("paths", paths)
	ports := L.NewTable()
	for _, p := range rs.Ports {
		e := L.NewTable()
		e.RawSetString("port", lua.LNumber(p.Port))
		e.RawSetString("access", nameList(L, p.Access.Names()))
		ports.Append(e)
	}
	t.RawSetString("ports", ports)
	L.Push(t)
	return 1
}

// ruleset:load() arms the ruleset in a Process.fork block: exec() enters
// it (one more layer of the domain) in the same C step as the seccomp
// filters and execve. A ruleset the kernel cannot enforce is an error here
// (fail closed); ruleset:best_effort() drops what it lacks.
func (r *Runtime) rulesetLoad(L *lua.LState) int {
	v := checkRuleset(L, 1)
	if !r.inChild {
		L.RaiseError("ruleset:load() outside a Process.fork block would confine the tracer itself; call it inside the forked function, before exec()")
	}
	if err := v.rs.Validate(); err != nil {
		L.RaiseError("landlock: %s", err.Error())
	}
	if need, which := v.rs.MinABI(); need > landlock.ABI() {
		L.RaiseError("landlock: %s needs Landlock ABI %d, the kernel has %d (ruleset:best_effort() drops what it lacks)", which, need, landlock.ABI())
	}
	r.armedLandlock = append(r.armedLandlock, v.rs)
	L.Push(L.Get(1))
	return 1
}
