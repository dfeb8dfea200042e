package forksnap

import (
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func carriedGlobals(t *testing.T, data []byte) []string {
	t.Helper()
	s, err := parseSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range s.globals {
		names = append(names, g.name)
	}
	slices.Sort(names)
	return names
}

func TestGlobalsReferencedByName(t *testing.T) {
	child, fn, data := fork(t, `
		function helper(x) return string.format("<%s>", x) end
		config = {name = "cfg"}
		unrelated = {1, 2, 3}
		return function()
			counter = (counter or 0) + 1
			return helper(config.name), type(print), counter
		end`)
	// counter is named (read and written) but nil, like the fresh child's.
	if got, want := carriedGlobals(t, data), []string{"config", "helper"}; !slices.Equal(got, want) {
		t.Errorf("carried globals %v, want %v", got, want)
	}
	wantValues(t, child.call(t, fn), lua.LString("<cfg>"), lua.LString("function"), lua.LNumber(1))
	if child.L.GetGlobal("unrelated") != lua.LNil {
		t.Error("a global the function never names was carried")
	}
}

func TestBuiltinsTravelByName(t *testing.T) {
	child, fn, data := fork(t, `
		local fmt, str, pr = string.format, string, print
		return function() return fmt == string.format, str == string, pr == print, str.upper("x") end`)
	wantValues(t, child.call(t, fn), lua.LTrue, lua.LTrue, lua.LTrue, lua.LString("X"))
	s, err := parseSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, ob := range s.objs {
		if ob.kind == kindTable {
			t.Errorf("a builtin was copied as a table")
		}
	}
}

func TestModifiedBuiltins(t *testing.T) {
	child, fn, _ := fork(t, `
		string.trim = function(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end
		string.rep = nil
		local orig = tostring
		tostring = function(x) return "T:" .. orig(x) end
		return function() return string.trim("  hi  "), string.rep, tostring(1), ("  a "):trim() end`)
	wantValues(t, child.call(t, fn), lua.LString("hi"), lua.LNil, lua.LString("T:1"), lua.LString("a"))
}

// A global changed from its builtin value (even to nil) must reach the
// child, otherwise the child would see the pristine builtin.
func TestOverriddenBuiltinGlobal(t *testing.T) {
	child, fn, data := fork(t, `
		print = nil
		return function() return print end`)
	if got := carriedGlobals(t, data); !slices.Equal(got, []string{"print"}) {
		t.Errorf("carried globals %v, want [print]", got)
	}
	wantValues(t, child.call(t, fn), lua.LNil)
}

func TestSetfenvEnvironmentIsCarried(t *testing.T) {
	child, fn, _ := fork(t, `
		local env = setmetatable({greeting = "hi"}, {__index = _G})
		local f = function() return greeting, type(print) end
		setfenv(f, env)
		return function() return f() end`)
	wantValues(t, child.call(t, fn), lua.LString("hi"), lua.LString("function"))
}
