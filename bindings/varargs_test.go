package bindings

import (
	"runtime"
	"strings"
	"testing"
)

// `...` of a main chunk holds the first maxVarargs arguments; arg holds
// them all, and the script runs.
func TestVarargsBound(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer func(n int) { maxVarargs = n }(maxVarargs)
	maxVarargs = 1000
	r := New(Options{})
	defer r.Close()
	args := make([]string, 5000)
	for i := range args {
		args[i] = strings.Repeat("x", i%7)
	}
	r.SetArgs("s.lua", args)
	src := `assert(select("#", ...) == 1000, select("#", ...)); assert(#arg == 5000, #arg)
		local t = {unpack(arg)}; assert(#t == 5000)`
	if err := r.runMain([]byte(src), "s.lua", args); err != nil {
		t.Fatal(err)
	}
}

// The Lua stack grows for every argument execve can deliver (~786,000
// pointers at most): `...`, {...}, unpack and a Go call with all of them.
func TestHugeVarargs(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := New(Options{})
	defer r.Close()
	args := make([]string, 800_000)
	for i := range args {
		args[i] = "a"
	}
	r.SetArgs("s.lua", args)
	src := `local n = select("#", ...); assert(n == 800000, n)
		local t = {...}; assert(#t == n)
		assert(select("#", unpack(arg)) == n)
		assert(#string.format(string.rep("%s", 1000), unpack(t, 1, 1000)) == 1000)`
	if err := r.runMain([]byte(src), "s.lua", args); err != nil {
		t.Fatal(err)
	}
	// Beyond the registry's bound: a Lua error, not a Go panic.
	err := r.DoString(`local ok, err = pcall(unpack, {}, 1, 1e7); assert(not ok and err:find("overflow"), err)`, "t")
	if err != nil {
		t.Fatal(err)
	}
}
