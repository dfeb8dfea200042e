package forksnap

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// interp is one interpreter opened the way the tool opens both parent and
// child: stdlib, host modules, Install, then IndexBuiltins.
type interp struct {
	L    *lua.LState
	opts Options
}

func newInterp(t testing.TB) *interp {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	registerFake(L)
	c := NewChunks()
	c.Install(L)
	b := IndexBuiltins(L)
	return &interp{L: L, opts: Options{Chunks: c, Builtins: b, Decoders: map[string]Decoder{"fake": decodeFake}}}
}

// eval runs src as a chunk loaded through Chunks and returns its results.
func (in *interp) eval(t testing.TB, src string) []lua.LValue {
	t.Helper()
	fn, err := in.opts.Chunks.Load(in.L, []byte(src), "<test>")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return in.call(t, fn)
}

func (in *interp) call(t testing.TB, fn *lua.LFunction, args ...lua.LValue) []lua.LValue {
	t.Helper()
	top := in.L.GetTop()
	if err := in.L.CallByParam(lua.P{Fn: fn, NRet: lua.MultRet, Protect: true}, args...); err != nil {
		t.Fatalf("call: %v", err)
	}
	var out []lua.LValue
	for i := top + 1; i <= in.L.GetTop(); i++ {
		out = append(out, in.L.Get(i))
	}
	in.L.SetTop(top)
	return out
}

// fork evaluates src in a parent, encodes the function it returns, and
// decodes it into a fresh child.
func fork(t testing.TB, src string) (*interp, *lua.LFunction, []byte) {
	t.Helper()
	parent := newInterp(t)
	fn := parent.evalFn(t, src)
	data, err := Encode(parent.L, fn, parent.opts)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	child := newInterp(t)
	cfn, err := Decode(child.L, data, child.opts)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return child, cfn, data
}

func (in *interp) evalFn(t testing.TB, src string) *lua.LFunction {
	t.Helper()
	res := in.eval(t, src)
	if len(res) == 0 {
		t.Fatalf("script returned nothing")
	}
	fn, ok := res[0].(*lua.LFunction)
	if !ok {
		t.Fatalf("script returned %s, want function", res[0].Type())
	}
	return fn
}

func wantValues(t *testing.T, got []lua.LValue, want ...lua.LValue) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results %v, want %v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %v (%s), want %v (%s)", i+1, got[i], got[i].Type(), want[i], want[i].Type())
		}
	}
}

// fakeFilter stands in for a host object such as a seccomp filter context.
type fakeFilter struct{ rules []string }

func (f *fakeFilter) CarryType() string { return "fake" }
func (f *fakeFilter) CarryEncode() ([]byte, error) {
	return []byte(strings.Join(f.rules, "\n")), nil
}

func newFakeUD(L *lua.LState, f *fakeFilter) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = f
	L.SetMetatable(ud, L.GetTypeMetatable("fake"))
	return ud
}

func decodeFake(L *lua.LState, data []byte) (lua.LValue, error) {
	var rules []string
	if len(data) > 0 {
		rules = strings.Split(string(data), "\n")
	}
	return newFakeUD(L, &fakeFilter{rules: rules}), nil
}

// registerFake is the "host module": Fake.new(rules...) and f:add / f:rules.
func registerFake(L *lua.LState) {
	mt := L.NewTypeMetatable("fake")
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"add": func(L *lua.LState) int {
			f := L.CheckUserData(1).Value.(*fakeFilter)
			f.rules = append(f.rules, L.CheckString(2))
			return 0
		},
		"rules": func(L *lua.LState) int {
			f := L.CheckUserData(1).Value.(*fakeFilter)
			L.Push(lua.LString(strings.Join(f.rules, ",")))
			return 1
		},
	}))
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"new": func(L *lua.LState) int {
			f := &fakeFilter{}
			for i := 1; i <= L.GetTop(); i++ {
				f.rules = append(f.rules, L.CheckString(i))
			}
			L.Push(newFakeUD(L, f))
			return 1
		},
	})
	L.SetGlobal("Fake", mod)
}
