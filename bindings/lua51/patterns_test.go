package lua51_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/bindings"
	"github.com/sctrace-lua/sctrace-lua/bindings/lua51"
	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

func TestMain(m *testing.M) {
	if bindings.IsChild() {
		os.Exit(bindings.RunChild(bindings.Options{}))
	}
	locateSuite() // before testenv moves HOME (and with it go's caches)
	os.Exit(testenv.Run(m))
}

// patterns are the constructs gopher-lua 1.1.2 gets wrong (#440, #448) and
// their neighbours. Each want is what Lua 5.1 prints, derived from the
// reference manual: §2.4.3 "In a multiple assignment, Lua first evaluates
// all values and only then executes the assignments" (with its example
// `i, a[i] = i+1, 20` setting a[3]); §2.6 "a local variable can be
// freely accessed by inner functions", one variable shared by every
// closure that sees it, each loop iteration creating a new local; §5.1
// pcall/xpcall catch an error and return false plus the message. Where
// lua5.1 is installed the same code is also run through it (oracle), and
// its output must agree too; the wants do not depend on it.
var patterns = []struct {
	name, code, want string
	oracle           bool // plain Lua 5.1 can run the code
}{
	{"swap", `local x, y = 5, 7; x, y = y, x; print(x, y)`, "7\t5", true},
	{"rotate", `local a, b, c = 1, 2, 3; a, b, c = b, c, a; print(a, b, c)`, "2\t3\t1", true},
	{"a,b=a+1,a+b", `local a, b = 1, 2; a, b = a + 1, a + b; print(a, b)`, "2\t3", true},
	{"fibonacci", `local lo, hi = 1, 1; for i = 1, 5 do lo, hi = hi, lo + hi end; print(lo, hi)`, "8\t13", true},
	{"global swap", `gx, gy = 1, 2; gx, gy = gy, gx; print(gx, gy)`, "2\t1", true},
	{"upvalue swap", `local a, b = 1, 2; local function sw() a, b = b, a end; sw(); sw(); sw(); print(a, b)`, "2\t1", true},
	{"manual i,a[i]", `local i, a = 3, {}; i, a[i] = i + 1, 20; print(i, a[3], a[4])`, "4\t20\tnil", true},
	{"t[i],i", `local t, i = {}, 1; t[i], i = i + 10, i + 1; print(i, t[1], t[2])`, "2\t11\tnil", true},
	{"global t[i],i", `t, i = {}, 1; t[i], i = i + 10, i + 1; print(i, t[1], t[2])`, "2\t11\tnil", true},
	{"x,t.f locals", `local t, x = {}, nil; local a, b = "A", "B"; x, t.f = a, b; print(x, t.f)`, "A\tB", true},
	{"x,t.f globals", `t = {}; x, t.f = "A", "B"; print(x, t.f)`, "A\tB", true},
	{"x,t.f global and local table", `local t = {}; local a, b = "A", "B"; gx, t.f = a, b; print(gx, t.f)`, "A\tB", true},
	{"t,t.f", `local t = {}; local old = t; t, t.f = {}, 1; print(old.f, t.f, t == old)`, "1\tnil\tfalse", true},
	{"values from a call", `local function f() return 1, 2, 3 end; local a, b, c, d; a, b, c, d = 0, f(); print(a, b, c, d); a, b = f(), 10; print(a, b)`, "0\t1\t2\t3\n1\t10", true},
	{"missing values", `local a, b, c = 1, 2, 3; a, b, c = 5; print(a, b, c)`, "5\tnil\tnil", true},
	{"extra values evaluated", `local n = 0; local function f() n = n + 1 end; local a, b; a, b = 1, 2, f(); print(a, b, n)`, "1\t2\t1", true},
	{"assignment in a vararg function", `local function f(...) local a, b = 1, 2; a, b = ...; return a, b end; print(f(7, 8, 9))`, "7\t8", true},

	// #448: closures made before a caught error keep sharing their locals
	{"pcall(error)", `local n = 0; local function cb() n = n + 1 end; cb(); pcall(error, "x"); cb(); cb(); print(n)`, "3", true},
	{"upstream #448", `local a; local function use() return a end; pcall(function() error("e") end); a = 5; print(use())`, "5", true},
	{"two closures", `local c = 0; local inc = function() c = c + 1 end; local get = function() return c end; inc(); pcall(error, "x"); inc(); print(get(), c)`, "2\t2", true},
	{"closure that pcalls", `local n = 0; local function cb() n = n + 1; pcall(error, "x") end; cb(); cb(); print(n)`, "2", true},
	{"xpcall", `local n = 0; local function cb() n = n + 1 end; print(xpcall(function() error("x", 0) end, function(e) return "h:" .. e end)); cb(); print(n)`, "false\th:x\n1", true},
	{"xpcall unwound frame", `local f
xpcall(function() local z = 42; f = function() return z end; error("e") end, function(e) return e end)
local function junk(a, b, c, d, e) local p, q, r, s = 1, 2, 3, 4; return a end
junk(9, 9, 9, 9, 9); print(f())`, "42", true},
	{"xpcall handler sees the values", `local v = 1; print(xpcall(function() v = 2; error("e", 0) end, function(e) return e .. v end)); print(v)`, "false\te2\n2", true},
	{"errors from Go functions", `local n = 0; local function inc() n = n + 1 end
print((pcall(string.rep))); inc(); print((pcall(setmetatable, 1, 2))); inc(); print((pcall(function() return nil + 1 end))); inc(); print(n)`,
		"false\nfalse\nfalse\n3", true},
	{"nested pcalls", `local n = 0; local function inc() n = n + 1 end
print(pcall(function() pcall(error, "inner"); inc(); error("outer", 0) end)); inc()
print(pcall(pcall, error, "e", 0)); inc(); print(n)`, "false\touter\ntrue\tfalse\te\n3", true},
	{"pcall inside xpcall", `local n = 0; local function inc() n = n + 1 end
print(xpcall(function() pcall(error, "a"); inc(); error("b", 0) end, function(e) inc(); return e end)); inc(); print(n)`, "false\tb\n3", true},
	{"coroutine that errors", `local n = 0; local function inc() n = n + 1 end
local co = coroutine.create(function() inc(); error("boom", 0) end)
print(coroutine.resume(co)); inc(); print(n, coroutine.status(co))`, "false\tboom\n2\tdead", true},
	{"pcall in a coroutine", `local co = coroutine.wrap(function() local k = 0; local function bump() k = k + 1 end
bump(); pcall(error, "x"); bump(); coroutine.yield(k); bump(); return k end)
print(co(), co())`, "2\t3", true},
	{"error out of coroutine.wrap", `local g
local ok, e = pcall(function() local v = "kept"; g = function() return v end; coroutine.wrap(function() error("w", 0) end)() end)
print(ok, (string.gsub(e, "^.*: ", ""))) -- Lua 5.1's wrap adds a position, gopher-lua's does not
local function junk(a, b, c, d) local p, q, r = 1, 2, 3; return a end
junk(0, 0, 0, 0); print(g())`, "false\tw\nkept", true},
	{"closures in loops", `local fs = {}; for i = 1, 3 do fs[i] = function() i = i + 10; return i end end; print(fs[1](), fs[1](), fs[2]())`, "11\t21\t12", true},
	{"closures in loops across pcall", `local fs = {}; for i = 1, 3 do local c = 0; fs[i] = function() c = c + 1; return c end; pcall(error, "x") end; print(fs[1](), fs[1](), fs[3]())`, "1\t2\t1", true},
	{"generic for", `local gs = {}; for k, v in ipairs({10, 20}) do gs[k] = function() v = v + 1; return v end end; pcall(error, "x"); print(gs[1](), gs[1](), gs[2]())`, "11\t12\t21", true},
	{"parameter", `local function mk(p) return function() p = p * 2; return p end, function() return p end end
local dbl, get = mk(3); dbl(); pcall(error, "x"); dbl(); print(get())`, "12", true},
	{"recursive local function", `local function f(n) if n == 0 then return "done" end; pcall(error, "x"); return f(n - 1) end; print(f(3))`, "done", true},
	{"method self", `local o = {v = 1}; function o:mk() return function() self = {v = self.v + 1}; return self.v end end
local f = o:mk(); pcall(error, "x"); print(f(), f())`, "2\t3", true},

	// through the host's own API
	{"Seccomp error from Go", `local n = 0; local function inc() n = n + 1 end
print((pcall(Seccomp.syscall_to_i, "no-such-call"))); inc(); inc(); print(n)`, "false\n2", false},
	{"fork block", `local a, b = 1, 2
local pid = Process.fork(function()
  local n = 0; local function inc() n = n + 1 end
  pcall(error, "x"); inc(); a, b = b, a
  os.exit((n == 1 and a == 2 and b == 1) and 0 or 1)
end)
local _, st = Process.waitpid(pid); print(st:exitstatus())`, "0", false},
	{"cells carried into a fork", `local n = 0; local function inc() n = n + 1 end; local function get() return n end
inc(); pcall(error, "x")
local pid = Process.fork(function() inc(); inc(); os.exit(get() == 3 and 0 or 1) end)
local _, st = Process.waitpid(pid); print(st:exitstatus(), get())`, "0\t1", false},
	{"start_trace callback", `local n = 0
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(r) r:trace("mkdir", 0) end):load()
  exec("/bin/sh", "-c", "mkdir /nonexistent-lua51/a /nonexistent-lua51/b 2>/dev/null")
end)
local lo, hi = 0, 1
local st = Seccomp.start_trace(pid, function() n = n + 1; lo, hi = hi, lo + hi; pcall(error, "x"); return {"errno", "EPERM"} end)
print(n, lo, hi, st:exitstatus())`, "2\t1\t2\t1", false},
}

func TestPatterns(t *testing.T) {
	lua51, _ := exec.LookPath("lua5.1")
	if lua51 == "" {
		t.Log("lua5.1 not installed: the oracle comparison is skipped")
	}
	for _, c := range patterns {
		t.Run(c.name, func(t *testing.T) {
			got, err := runScript(t, c.code)
			if err != nil {
				t.Fatalf("%v\noutput: %s", err, got)
			}
			if got != c.want+"\n" {
				t.Errorf("got:\n%s\nwant (Lua 5.1):\n%s", got, c.want)
			}
			if lua51 != "" && c.oracle {
				out, err := exec.Command(lua51, "-e", c.code).CombinedOutput()
				if err != nil || string(out) != c.want+"\n" {
					t.Errorf("lua5.1 disagrees with the table: %v\n%s", err, out)
				}
			}
		})
	}
}

// The same patterns through plain gopher-lua, for the record: the test
// logs which ones it gets wrong and fails if it gets none wrong (then the
// table no longer shows what it is for).
func TestPatternsPlainGopherLua(t *testing.T) {
	wrong := 0
	for _, c := range patterns {
		if !c.oracle {
			continue
		}
		L := lua.NewState()
		var out strings.Builder
		L.SetGlobal("print", L.NewFunction(lua51.PrintTo(&out)))
		err := L.DoString(c.code)
		L.Close()
		if err != nil || out.String() != c.want+"\n" {
			wrong++
			t.Logf("plain gopher-lua gets %q wrong: %q (err %v)", c.name, out.String(), err)
		}
	}
	if wrong == 0 {
		t.Error("plain gopher-lua passes every pattern: the table tests nothing")
	}
}

// runScript runs code as `sctrace-lua -e` would and returns what it prints.
func runScript(t *testing.T, code string) (string, error) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var stderr strings.Builder
	r := bindings.New(bindings.Options{Stderr: &stderr})
	defer r.Close()
	var out strings.Builder
	r.L.SetGlobal("print", r.L.NewFunction(lua51.PrintTo(&out)))
	err := r.DoString(code, "(command line)")
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	return out.String(), err
}
