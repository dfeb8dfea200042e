package bindings_test

import (
	"runtime"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/bindings"
	"github.com/sctrace-lua/sctrace-lua/scripts"
)

// The policy option parser (`-p name:k=v,…`) and the action/condition
// readers take user input: any string must give a value or a Lua error,
// never a Go panic.
func FuzzUserInput(f *testing.F) {
	for _, s := range []string{"limit-forks:max=20", "x:a=1,b=2", ":", "a:", "a:=", "a:b", "errno", "trace", "==", "&=", "EPERM", "kill"} {
		f.Add(s, 3.0)
	}
	runtime.LockOSThread()
	r := bindings.New(bindings.Options{Scripts: scripts.FS})
	L := r.L
	if err := r.DoString(`
		local policy = require "sctrace.policy"
		function fuzz_one(s, n)
			pcall(policy.parse_spec, s)
			pcall(Seccomp.new, {default = s})
			pcall(Seccomp.new, {default = {s, n}})
			pcall(Seccomp.new, {default = {"errno", s}})
			pcall(Seccomp.arg, n, s, n, n)
			pcall(Seccomp.arg, 1, "&=", s, n)
			pcall(Seccomp.syscall_to_i, s)
			pcall(Seccomp.syscall_to_name, n)
			pcall(Process.kill, s, -999999)
			local ctx = Seccomp.new({default = "allow"})
			pcall(ctx.trace, ctx, s, n)
			pcall(ctx.errno, ctx, s, "mkdir")
			pcall(ctx.add_rule, ctx, {s, n}, "mkdir")
		end`, "fuzz"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, n float64) {
		if err := L.CallByParam(lua.P{Fn: L.GetGlobal("fuzz_one"), Protect: true}, lua.LString(s), lua.LNumber(n)); err != nil {
			t.Fatalf("%q %v: %v", s, n, err)
		}
	})
}
