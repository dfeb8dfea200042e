package forksnap

import (
	"math"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestScalarUpvaluesExact(t *testing.T) {
	parent := newInterp(t)
	fn := parent.evalFn(t, `
		local nan, inf, ninf = 0/0, 1/0, -1/0
		local z = 0
		local nz = -z
		local third = 1/3
		local s = "a\0b\255\0"
		local yes, no, none = true, false, nil
		return function() return nan, inf, ninf, nz, third, s, yes, no, none end`)
	want := parent.call(t, fn)
	data, err := Encode(parent.L, fn, parent.opts)
	if err != nil {
		t.Fatal(err)
	}
	child := newInterp(t)
	cfn, err := Decode(child.L, data, child.opts)
	if err != nil {
		t.Fatal(err)
	}
	got := child.call(t, cfn)
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := 0; i < 5; i++ {
		g, w := math.Float64bits(float64(got[i].(lua.LNumber))), math.Float64bits(float64(want[i].(lua.LNumber)))
		if g != w {
			t.Errorf("number %d: bits %x, want %x", i, g, w)
		}
	}
	if !math.Signbit(float64(got[3].(lua.LNumber))) {
		t.Error("-0 lost its sign")
	}
	wantValues(t, got[5:], lua.LString("a\x00b\xff\x00"), lua.LTrue, lua.LFalse, lua.LNil)
}

func TestTablesKeepIdentityAndCycles(t *testing.T) {
	child, fn, _ := fork(t, `
		local shared = {n = 1}
		local a = {shared = shared, list = {10, 20, 30}, [2.5] = "float", [true] = "bool"}
		a.self = a
		local b = {shared = shared, [shared] = "table key"}
		setmetatable(b, {__index = function(_, k) return "meta:" .. k end})
		return function()
			shared.n = shared.n + 1
			return a.self == a, a.shared == b.shared, b.shared.n, #a.list, a.list[3],
				a[2.5], a[true], b[shared], b.missing
		end`)
	wantValues(t, child.call(t, fn), lua.LTrue, lua.LTrue, lua.LNumber(2), lua.LNumber(3), lua.LNumber(30),
		lua.LString("float"), lua.LString("bool"), lua.LString("table key"), lua.LString("meta:missing"))
}

func TestLocalHelperAndRecursion(t *testing.T) {
	child, fn, _ := fork(t, `
		local function helper(x) return x * 2 end
		local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
		return function(n) return helper(n), fact(n) end`)
	wantValues(t, child.call(t, fn, lua.LNumber(5)), lua.LNumber(10), lua.LNumber(120))
}

func TestSharedUpvalueStaysShared(t *testing.T) {
	child, fn, _ := fork(t, `
		local count = 5
		local function inc() count = count + 1 end
		local function get() return count end
		return function() inc(); inc(); return get(), count end`)
	wantValues(t, child.call(t, fn), lua.LNumber(7), lua.LNumber(7))
	// State persists across calls in the child, as in a real process.
	wantValues(t, child.call(t, fn), lua.LNumber(9), lua.LNumber(9))
}

// The usual fork call happens while the enclosing function still runs, so
// its locals are open upvalues living in registers.
func TestOpenUpvaluesAtForkTime(t *testing.T) {
	parent := newInterp(t)
	var data []byte
	parent.L.SetGlobal("snap", parent.L.NewFunction(func(L *lua.LState) int {
		var err error
		data, err = Encode(L, L.CheckFunction(1), parent.opts)
		if err != nil {
			L.RaiseError("%v", err)
		}
		return 0
	}))
	parent.eval(t, `
		local function outer()
			local x = 10
			local function bump() x = x + 1 end
			local peek = function() return x end
			snap(function() bump(); return peek() end)
			x = 100 -- after the fork: the child must not see this
		end
		outer()`)
	child := newInterp(t)
	fn, err := Decode(child.L, data, child.opts)
	if err != nil {
		t.Fatal(err)
	}
	wantValues(t, child.call(t, fn), lua.LNumber(11))
}

func TestCarrierUserdata(t *testing.T) {
	child, fn, _ := fork(t, `
		local f = Fake.new("read", "write")
		local holder = {f = f}
		return function()
			f:add("exit")
			return holder.f == f, f:rules()
		end`)
	wantValues(t, child.call(t, fn), lua.LTrue, lua.LString("read,write,exit"))
}

func TestDecodedFunctionForksAgain(t *testing.T) {
	child, fn, _ := fork(t, `
		local t = {}
		local f = loadstring("return function(x) return x + 1 end")()
		return function(x) t[#t + 1] = x; return f(x), #t end`)
	child.call(t, fn, lua.LNumber(1))
	data, err := Encode(child.L, fn, child.opts)
	if err != nil {
		t.Fatalf("child could not fork again: %v", err)
	}
	grandchild := newInterp(t)
	gfn, err := Decode(grandchild.L, data, grandchild.opts)
	if err != nil {
		t.Fatal(err)
	}
	wantValues(t, grandchild.call(t, gfn, lua.LNumber(41)), lua.LNumber(42), lua.LNumber(2))
}
