package bindings

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/engine/profile"
)

// The Lua side of engine/profile: Seccomp.learn (a trace whose every stop
// is recorded in Go, no callback), learned sets, and OCI profiles compiled
// for run --profile.

const (
	learnedType = "seccomp.learned"
	profileType = "seccomp.profile"
)

func (r *Runtime) registerProfile(seccomp *lua.LTable) {
	L := r.L
	mt := L.NewTypeMetatable(learnedType)
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), learnedMethods))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		s := checkLearned(L, 1)
		L.Push(lua.LString(fmt.Sprintf("learned allow-list (%d syscalls, %d rules, %d calls)", s.Seen(), len(s.Rules()), s.Calls)))
		return 1
	}))
	mt = L.NewTypeMetatable(profileType)
	methods := L.SetFuncs(L.NewTable(), profileMethods)
	methods.RawSetString("load", L.NewFunction(r.profileLoad))
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("seccomp profile " + checkProfile(L, 1).name))
		return 1
	}))
	L.SetFuncs(seccomp, map[string]lua.LGFunction{
		"learn":   r.seccompLearn,
		"learned": seccompLearned,
		"profile": seccompProfile,
	})
	seccomp.RawSetString("PROFILE_UD", lua.LNumber(profile.UDBase))
	registerEvents(L, seccomp)
}

// ---- learning ----

// Seccomp.learn(pid) → status, learned: traces the forked child pid like
// start_trace, but every stop is recorded by the Go side and allowed (no
// Lua runs per call). The child's filter decides which calls stop: for a
// full allow-list, every one (default {"trace", N}).
func (r *Runtime) seccompLearn(L *lua.LState) int {
	pid := L.CheckInt(1)
	if !r.sess.Pending(pid) {
		L.ArgError(1, fmt.Sprintf("pid %d is not a Process.fork child waiting to be traced (fork it, then trace it before waitpid or kill)", pid))
	}
	rec := profile.NewRecorder()
	hooks := engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		rec.Observe(st.Nr, &st.Args, st.ReadMemory)
		return engine.Decision{}, nil
	}}
	st, err := r.sess.Trace(pid, hooks)
	if err != nil {
		L.RaiseError("learn: %s", err.Error())
	}
	set := profile.NewSet()
	set.Record(rec)
	pushStatus(L, st)
	L.Push(newLearned(L, set))
	return 2
}

func seccompLearned(L *lua.LState) int {
	L.Push(newLearned(L, profile.NewSet()))
	return 1
}

func newLearned(L *lua.LState, s *profile.Set) *lua.LUserData { return newTyped(L, s, learnedType) }

// newTyped is userdata holding v with the metatable registered as typ.
func newTyped(L *lua.LState, v any, typ string) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = v
	L.SetMetatable(ud, L.GetTypeMetatable(typ))
	return ud
}

func checkLearned(L *lua.LState, n int) *profile.Set {
	if s, ok := L.CheckUserData(n).Value.(*profile.Set); ok {
		return s
	}
	L.ArgError(n, "learned set expected")
	return nil
}

var learnedMethods = map[string]lua.LGFunction{
	"allow":         learnedAllow,
	"clone3_enosys": func(L *lua.LState) int { checkLearned(L, 1).Clone3ENOSYS(); return 0 },
	"merge_profile": learnedMergeProfile,
	"rules":         learnedRules,
	"oci":           learnedOCI,
	"calls":         func(L *lua.LState) int { L.Push(lua.LNumber(checkLearned(L, 1).Calls)); return 1 },
	"seen":          func(L *lua.LState) int { L.Push(lua.LNumber(checkLearned(L, 1).Seen())); return 1 },
}

var opSpecs = map[filter.Op]specs.LinuxSeccompOperator{
	filter.EQ: specs.OpEqualTo, filter.NE: specs.OpNotEqual, filter.LT: specs.OpLessThan,
	filter.LE: specs.OpLessEqual, filter.GT: specs.OpGreaterThan, filter.GE: specs.OpGreaterEqual,
	filter.MaskedEQ: specs.OpMaskedEqual,
}

var specOps = map[specs.LinuxSeccompOperator]string{
	specs.OpEqualTo: "==", specs.OpNotEqual: "!=", specs.OpLessThan: "<", specs.OpLessEqual: "<=",
	specs.OpGreaterThan: ">", specs.OpGreaterEqual: ">=", specs.OpMaskedEqual: "&=",
}

// set:allow(name [, Seccomp.arg(…)…]) adds an allow rule (merging an
// earlier policy).
func learnedAllow(L *lua.LState) int {
	s := checkLearned(L, 1)
	name := L.CheckString(2)
	var args []specs.LinuxSeccompArg
	for i := 3; i <= L.GetTop(); i++ {
		c, err := toCond(L.Get(i))
		if err != nil {
			L.ArgError(i, err.Error())
		}
		a := specs.LinuxSeccompArg{Index: uint(c.Arg), Op: opSpecs[c.Op], Value: c.Value, ValueTwo: c.Value2}
		args = append(args, a)
	}
	if err := s.Allow(name, args); err != nil {
		L.ArgError(2, err.Error())
	}
	return 0
}

// set:merge_profile(path) → list of dropped entries, or nil, message:
// adds the allow entries of an OCI profile (as loaded for this machine).
func learnedMergeProfile(L *lua.LState) int {
	s := checkLearned(L, 1)
	path := L.CheckString(2)
	b, err := os.ReadFile(path)
	if err != nil {
		return pushFail(L, fmt.Errorf("%s: %w", path, unwrapPath(err)))
	}
	p, err := profile.Load(path, b, profile.Options{})
	if err != nil {
		return pushFail(L, err)
	}
	out := L.NewTable()
	for _, d := range s.MergeProfile(p) {
		out.Append(lua.LString(d))
	}
	L.Push(out)
	return 1
}

// set:rules() → {{syscall=, action="allow"|"errno", errno=, conds={{arg=,
// op=, value=, value2=}…}, comment=, calls=}…} in the set's fixed order.
func learnedRules(L *lua.LState) int {
	s := checkLearned(L, 1)
	out := L.NewTable()
	for _, r := range s.Rules() {
		t := L.CreateTable(0, 6)
		t.RawSetString("syscall", lua.LString(r.Name))
		if r.Action == specs.ActErrno {
			t.RawSetString("action", lua.LString("errno"))
			t.RawSetString("errno", lua.LString(filter.ErrnoName(int(r.Errno))))
		} else {
			t.RawSetString("action", lua.LString("allow"))
		}
		conds := L.CreateTable(len(r.Args), 0)
		for _, a := range r.Args {
			c := L.CreateTable(0, 4)
			c.RawSetString("arg", lua.LNumber(a.Index+1))
			c.RawSetString("op", lua.LString(specOps[a.Op]))
			c.RawSetString("value", exactNumber(a.Value))
			if a.Op == specs.OpMaskedEqual {
				c.RawSetString("value2", exactNumber(a.ValueTwo))
			}
			conds.Append(c)
		}
		t.RawSetString("conds", conds)
		t.RawSetString("comment", lua.LString(r.Comment))
		t.RawSetString("calls", lua.LNumber(r.Calls))
		_, known := filter.SyscallNumber(r.Name)
		t.RawSetString("native", lua.LBool(known == nil))
		out.Append(t)
	}
	L.Push(out)
	return 1
}

// exactNumber is an unsigned value as a Lua number when a double holds it
// exactly, else as a "0x…" string (what Seccomp.arg accepts).
func exactNumber(v uint64) lua.LValue {
	if v < 1<<53 {
		return lua.LNumber(v)
	}
	return lua.LString("0x" + strconv.FormatUint(v, 16))
}

// set:oci([{baseline = true}]) → the OCI/Docker profile as stable JSON.
func learnedOCI(L *lua.LState) int {
	s := checkLearned(L, 1)
	o := profile.WriteOptions{Baseline: true}
	if t, ok := L.Get(2).(*lua.LTable); ok {
		if v := t.RawGetString("baseline"); v != lua.LNil {
			o.Baseline = lua.LVAsBool(v)
		}
	} else if L.Get(2) != lua.LNil {
		L.ArgError(2, "options table expected, got "+L.Get(2).Type().String())
	}
	b, err := profile.Marshal(s.Profile(o))
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(b))
	return 1
}

// ---- profiles for run --profile ----

// profileValue is a compiled profile. In a forked child only the program
// is there (it is what crossed the fork).
type profileValue struct {
	name  string
	audit bool
	bpf   []byte
	p     *profile.Profile // nil in a forked child
}

func (v *profileValue) CarryType() string { return profileType }

type carriedProfile struct {
	Name  string
	Audit bool
	BPF   []byte
}

func (v *profileValue) CarryEncode() ([]byte, error) {
	return json.Marshal(carriedProfile{v.name, v.audit, v.bpf})
}

// decodeProfile rebuilds a profile carried across a fork (its program).
func decodeProfile(L *lua.LState, data []byte) (lua.LValue, error) {
	var c carriedProfile
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decoding seccomp profile: %w", err)
	}
	if len(c.BPF) == 0 || len(c.BPF)%8 != 0 {
		return nil, fmt.Errorf("decoding seccomp profile %s: a program of %d bytes", c.Name, len(c.BPF))
	}
	return newProfile(L, &profileValue{name: c.Name, audit: c.Audit, bpf: c.BPF}), nil
}

func newProfile(L *lua.LState, v *profileValue) *lua.LUserData { return newTyped(L, v, profileType) }

func checkProfile(L *lua.LState, n int) *profileValue {
	if v, ok := L.CheckUserData(n).Value.(*profileValue); ok {
		return v
	}
	L.ArgError(n, "seccomp profile expected")
	return nil
}

// full is a profile with its parsed form (not a forked child's copy).
func full(L *lua.LState, n int) *profileValue {
	v := checkProfile(L, n)
	if v.p == nil {
		L.RaiseError("profile %s: only its filter crossed the fork (use it in the tracer)", v.name)
	}
	return v
}

func stringList(L *lua.LState, v lua.LValue, what string) ([]string, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LString:
		return []string{string(v)}, nil
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				return nil, fmt.Errorf("option '%s': item %d is a %s, expected a string", what, i, v.RawGetInt(i).Type())
			}
			out = append(out, string(s))
		}
		return out, nil
	}
	return nil, fmt.Errorf("option '%s' must be a list of strings, got a %s", what, v.Type())
}

// Seccomp.profile(file | "docker-default" [, {audit=, cap_add=, cap_drop=}])
// → profile, or nil, message: an OCI/Docker profile loaded as a container
// runtime would (includes/excludes for this architecture, this kernel and
// docker run's capabilities with cap_add/cap_drop applied) and compiled.
// Not in audit mode, a profile under which execve always fails is refused.
func seccompProfile(L *lua.LState) int {
	spec := L.CheckString(1)
	var audit bool
	var add, drop []string
	if t, ok := L.Get(2).(*lua.LTable); ok {
		audit = lua.LVAsBool(t.RawGetString("audit"))
		var err error
		if add, err = stringList(L, t.RawGetString("cap_add"), "cap_add"); err != nil {
			L.ArgError(2, err.Error())
		}
		if drop, err = stringList(L, t.RawGetString("cap_drop"), "cap_drop"); err != nil {
			L.ArgError(2, err.Error())
		}
	} else if L.Get(2) != lua.LNil {
		L.ArgError(2, "options table expected, got "+L.Get(2).Type().String())
	}
	caps, err := profile.Capabilities(add, drop)
	if err != nil {
		return pushFail(L, err)
	}
	var p *profile.Profile
	if spec == profile.DockerDefault {
		p, err = profile.LoadDefault(profile.Options{Caps: caps})
	} else {
		var b []byte
		if b, err = os.ReadFile(spec); err != nil {
			return pushFail(L, fmt.Errorf("profile %s: %w", spec, unwrapPath(err)))
		}
		p, err = profile.Load(spec, b, profile.Options{Caps: caps})
	}
	if err == nil && !audit {
		err = p.CheckExec()
	}
	if err != nil {
		return pushFail(L, err)
	}
	mode := profile.Enforce
	if audit {
		mode = profile.Audit
	}
	b, err := p.BPF(mode)
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(newProfile(L, &profileValue{name: p.Name, audit: audit, bpf: b, p: p}))
	return 1
}

var profileMethods = map[string]lua.LGFunction{
	"name":    func(L *lua.LState) int { L.Push(lua.LString(checkProfile(L, 1).name)); return 1 },
	"refusal": profileRefusal,
	"info":    profileInfo,
	"pfc":     profilePFC,
}

// p:load() arms the profile's filter in a Process.fork block, like
// ctx:load(); load it after the policies' contexts, so it is installed
// last (the filters before it must let seccomp(2) install it).
func (r *Runtime) profileLoad(L *lua.LState) int {
	v := checkProfile(L, 1)
	if !r.inChild {
		L.RaiseError("profile:load() outside a Process.fork block would filter the tracer itself; call it inside the forked function, before exec()")
	}
	r.armed = append(r.armed, armedProgram{bpf: v.bpf})
	L.Push(L.Get(1))
	return 1
}

// p:refusal(call) → nil when the stop is not this profile's, else
// {rule=, action=, outcome=, errno=, notify=, key=, entry=}: which part of
// the profile refuses (or, for NOTIFY, hands on) the call.
func profileRefusal(L *lua.LState) int {
	v := full(L, 1)
	c := checkCall(L, 2, false)
	if !profile.IsProfileUD(c.args.UD) {
		L.Push(lua.LNil)
		return 1
	}
	rf, ok := v.p.Refusal(c.args.UD, c.args.Nr, c.args.Args)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	t := L.CreateTable(0, 7)
	t.RawSetString("rule", lua.LString(rf.Rule()))
	t.RawSetString("action", lua.LString(string(rf.Action)))
	t.RawSetString("outcome", lua.LString(rf.Outcome()))
	if rf.Errno != 0 {
		t.RawSetString("errno", lua.LString(filter.ErrnoName(rf.Errno)))
	}
	t.RawSetString("notify", lua.LBool(rf.Notify))
	t.RawSetString("key", lua.LString(rf.Key))
	t.RawSetString("entry", lua.LNumber(rf.Entry))
	L.Push(t)
	return 1
}

// p:info() → {name=, audit=, entries=, skipped={…}, architectures={…},
// default_action=, flags={…}, listener=}.
func profileInfo(L *lua.LState) int {
	v := full(L, 1)
	t := L.CreateTable(0, 8)
	t.RawSetString("name", lua.LString(v.name))
	t.RawSetString("audit", lua.LBool(v.audit))
	t.RawSetString("entries", lua.LNumber(len(v.p.Entries)))
	list := func(ss []string) *lua.LTable {
		l := L.CreateTable(len(ss), 0)
		for _, s := range ss {
			l.Append(lua.LString(s))
		}
		return l
	}
	t.RawSetString("skipped", list(v.p.Skipped))
	var arches, flags []string
	for _, a := range v.p.Config.Architectures {
		arches = append(arches, string(a))
	}
	for _, f := range v.p.Config.Flags {
		flags = append(flags, string(f))
	}
	t.RawSetString("architectures", list(arches))
	t.RawSetString("flags", list(flags))
	t.RawSetString("default_action", lua.LString(string(v.p.Config.DefaultAction)))
	t.RawSetString("listener", lua.LString(v.p.Config.ListenerPath))
	L.Push(t)
	return 1
}

func profilePFC(L *lua.LState) int {
	v := full(L, 1)
	mode := profile.Enforce
	if v.audit {
		mode = profile.Audit
	}
	s, err := v.p.PFC(mode)
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LString(s))
	return 1
}
