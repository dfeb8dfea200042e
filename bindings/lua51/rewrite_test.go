package lua51

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

func parseT(t *testing.T, src string) []ast.Stmt {
	t.Helper()
	stmts, err := parse.Parse(strings.NewReader(src), "t")
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return stmts
}

// What Rewrite makes of each chunk, printed back as source ([k] is an
// index, `x[1]` a cell).
func TestRewriteShape(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		// multiple assignment: every value first, then assign last to first
		{`local x, y = 1, 2; x, y = y, x`,
			`local x, y = 1, 2; do local (value 1), (value 2) = y, x; y = (value 2); x = (value 1); end;`},
		// a global and a table field
		{`x, t.f = a, b`,
			`do local (assign 1) = t; local (value 1), (value 2) = a, b; (assign 1)["f"] = (value 2); x = (value 1); end;`},
		// t is a local nobody else changes: not copied; i is assigned here: copied
		{`local t, i = {}, 1; t[i], i = i + 10, i + 1`,
			`local t, i = {}, 1; do local (assign 1) = i; local (value 1), (value 2) = (i + 10), (i + 1); i = (value 2); t[(assign 1)] = (value 1); end;`},
		// values adjusted as in Lua: a call fills the rest, extra values still run
		{`a, b, c = f()`,
			`do local (value 1), (value 2), (value 3) = f(); c = (value 3); b = (value 2); a = (value 1); end;`},
		{`a, b = 1, 2, g()`,
			`do local (value 1), (value 2) = 1, 2, g(); b = (value 2); a = (value 1); end;`},
		// single assignments are left alone
		{`x = y; t.f = 1`, `x = y; t["f"] = 1;`},
		// a captured local assigned later lives in a cell
		{`local n = 0; local function cb() n = n + 1 end; cb(); print(n)`,
			`local n = 0; n = {n}; local cb = function() n[1] = (n[1] + 1); end; cb(); print(n[1]);`},
		// captured but never assigned after its declaration: no cell
		{`local n = 0; local function get() return n end; print(get())`,
			`local n = 0; local get = function() return n; end; print(get());`},
		// assigned but not captured: no cell
		{`local n = 0; n = n + 1; print(n)`, `local n = 0; n = (n + 1); print(n);`},
		// assigned by the declaring function, read by a closure
		{`local a; function use() return a end; a = 1`,
			`local a; a = {a}; function use() return a[1]; end; a[1] = 1;`},
		// parameters and loop variables get their cell at the top of the body
		{`function f(p) return function() p = p + 1; return p end end`,
			`function f(p) p = {p}; return function() p[1] = (p[1] + 1); return p[1]; end; end;`},
		{`for i = 1, 3 do fs[i] = function() i = i * 2; return i end end`,
			`for i = 1, 3 do i = {i}; fs[i[1]] = function() i[1] = (i[1] * 2); return i[1]; end; end;`},
		{`for k, v in pairs(t) do g = function() v = k end end`,
			`for k, v in pairs(t) do v = {v}; g = function() v[1] = k; end; end;`},
		// a recursive local function that is later replaced
		{`local function f() return f end; f = nil`,
			`local f = function() return f[1]; end; f = {f}; f[1] = nil;`},
		// shadowing: only the inner x is captured and assigned
		{`local x = 1; do local x = 2; g = function() x = 3 end end; print(x)`,
			`local x = 1; do local x = 2; x = {x}; g = function() x[1] = 3; end; end; print(x);`},
		// repeat's condition sees the body's locals
		{`repeat local d = 0; h = function() d = 1 end until d`,
			`repeat local d = 0; d = {d}; h = function() d[1] = 1; end; until d[1];`},
		// methods: self is a parameter too
		{`function o:m() return function() self = nil end end`,
			`function o:m() self = {self}; return function() self[1] = nil; end; end;`},
		// a swap of two cells: the cells need no copy, the values do
		{`local a, b = 1, 2; f = function() return a, b end; a, b = b, a`,
			`local a, b = 1, 2; a = {a}; b = {b}; f = function() return a[1], b[1]; end; do local (value 1), (value 2) = b[1], a[1]; b[1] = (value 2); a[1] = (value 1); end;`},
	} {
		got := show(Rewrite(parseT(t, c.src)), false)
		if got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.src, got, c.want)
		}
	}
}

// New nodes carry the line of what they stand for.
func TestRewriteLines(t *testing.T) {
	src := "local a, b = 1, 2\nf = function() return a end\n\na, b =\n  b,\n  a\n"
	got := show(Rewrite(parseT(t, src)), true)
	want := `local a, b = 1, 2@1; a = {a}@1; f = function() return a[1]@2; end@2; do local (value 1), (value 2) = b, a[1]@4; b = (value 2)@4; a[1] = (value 1)@4; end@4;`
	if got != want {
		t.Errorf("\n got: %s\nwant: %s", got, want)
	}
}

// Code with neither a multiple assignment nor a cell compiles to exactly
// what gopher-lua makes of it.
func TestRewriteLeavesOtherCodeAlone(t *testing.T) {
	src := `
local t = {}
local function add(k, v) t[k] = v end
for i = 1, 10 do add(i, i * i) end
local n = 0
while n < 10 do n = n + 1 end
local limit = n
return function(x) return t[x] + limit end`
	plain, err := lua.Compile(parseT(t, src), "t")
	if err != nil {
		t.Fatal(err)
	}
	ours, err := lua.Compile(Rewrite(parseT(t, src)), "t")
	if err != nil {
		t.Fatal(err)
	}
	if plain.String() != ours.String() {
		t.Errorf("proto changed:\n--- plain\n%s\n--- rewritten\n%s", plain, ours)
	}
}

// Rewrite is deterministic: the fork child recompiles the source and must
// get the same proto tree.
func TestRewriteDeterministic(t *testing.T) {
	src := `local a, b = 1, 2; local f = function() a, b = b, a end; x, t.y, b = a, b, f`
	p1, err := lua.Compile(Rewrite(parseT(t, src)), "t")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := lua.Compile(Rewrite(parseT(t, src)), "t")
	if p1.String() != p2.String() {
		t.Error("two compilations of one source differ")
	}
}

// run compiles src (through Rewrite, with the replacements opened, if
// fixed) and returns what the chunk prints.
func run(t *testing.T, src string, fixed bool) string {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	stmts := parseT(t, src)
	if fixed {
		Open(L)
		stmts = Rewrite(stmts)
	}
	var out strings.Builder
	L.SetGlobal("print", L.NewFunction(PrintTo(&out)))
	proto, err := lua.Compile(stmts, "t")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	L.Push(L.NewFunctionFromProto(proto))
	if err := L.PCall(0, 0, nil); err != nil {
		t.Fatalf("run: %v\noutput so far: %s", err, out.String())
	}
	return out.String()
}

// Errors keep the script's line: a failing value, a failing target, a
// cell's arithmetic.
func TestRewriteErrorLines(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"local a, b = 1, 2\na, b =\n  b,\n  a + nil\n", "t:4:"},
		{"local t\nlocal x\nx,\n  t.f = 1, 2\n", "t:4:"},
		{"local n\nf = function() n = n + 1 end\n\nf()\n", "t:2:"},
	} {
		L := lua.NewState()
		proto, err := lua.Compile(Rewrite(parseT(t, c.src)), "t")
		if err != nil {
			t.Fatal(err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		err = L.PCall(0, 0, nil)
		L.Close()
		if err == nil || !strings.HasPrefix(err.(*lua.ApiError).Object.String(), c.want) {
			t.Errorf("%q: error %v, want it to start with %q", c.src, err, c.want)
		}
	}
}

// The replacements keep gopher-lua's results and messages: the same
// snippet gives the same output with plain gopher-lua.
func TestPcallResults(t *testing.T) {
	src := `
print(pcall(function(...) return ... end, 1, 2))
print(pcall(error, "x", 0))
print(pcall(error, {}) == false)
print(select(2, pcall(error)))
print(pcall(42))
print(select('#', pcall(error)))
print(xpcall(function() return 1, 2 end, print))
print(xpcall(function() error("boom", 0) end, function(e) return "handled " .. e end))
print(xpcall(function() local x = nil; return x.y end, function(e) return e end))
print(pcall(pcall, error, "e"))
print(pcall(string.rep))
print(pcall(xpcall, error))
local mt = setmetatable({}, {__call = function(self, a) return a * 2 end})
print(pcall(mt, 21))
local function deep() error("deep") end
print(xpcall(function() deep() end, debug.traceback))
print(pcall(unpack, {}, 1, 1e7))
`
	got := run(t, src, true)
	want := run(t, src, false)
	if got != want {
		t.Errorf("got:\n%s\nplain gopher-lua:\n%s", got, want)
	}
	if !strings.Contains(got, "false\thandled boom\n") {
		t.Errorf("xpcall's handler did not run:\n%s", got)
	}
}

// PrintTo is a print that writes to out (also for the external tests).
func PrintTo(out *strings.Builder) lua.LGFunction {
	return func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				out.WriteByte('\t')
			}
			out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		out.WriteByte('\n')
		return 0
	}
}
