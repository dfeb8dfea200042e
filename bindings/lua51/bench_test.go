package lua51

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// BenchmarkPcall: one pcall per op, succeeding and failing, with
// gopher-lua's pcall (fixed=false) and ours.
//
//	go test -run '^$' -bench Pcall ./bindings/lua51/
func BenchmarkPcall(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"ok", `pcall(f)`},
		{"error", `pcall(error, "x")`},
		{"xpcall-error", `xpcall(g, h)`},
	} {
		for _, fixed := range []bool{false, true} {
			name := c.name + "/gopher-lua"
			if fixed {
				name = c.name + "/lua51"
			}
			b.Run(name, func(b *testing.B) {
				L := lua.NewState()
				defer L.Close()
				if fixed {
					Open(L)
				}
				src := `local f = function() return 1 end
local g = function() error("x") end
local h = function(e) return e end
return function(n) for i = 1, n do ` + c.body + ` end end`
				stmts, err := parse.Parse(strings.NewReader(src), "b")
				if err != nil {
					b.Fatal(err)
				}
				proto, err := lua.Compile(Rewrite(stmts), "b")
				if err != nil {
					b.Fatal(err)
				}
				L.Push(L.NewFunctionFromProto(proto))
				L.Call(0, 1)
				loop := L.Get(-1)
				L.Pop(1)
				b.ResetTimer()
				L.Push(loop)
				L.Push(lua.LNumber(b.N))
				L.Call(1, 0)
			})
		}
	}
}
