package bindings

// Benchmarks of the Lua side of a seccomp stop, with allocations reported:
//
//   - BenchmarkToDecision: reading a callback's answer.
//   - BenchmarkOnSeccomp: the whole Lua call of one stop (push the
//     arguments, call, read the decision) on a fake engine.Stop, no process;
//     3-parameter callbacks get no call object, 4-parameter ones get one.
//   - BenchmarkLuaTrace: a real traced child (this test binary re-executed
//     under a filter that traces getppid) calling getppid b.N times, each
//     stop handled by a Lua callback through Seccomp.start_trace: the engine
//     round trip plus the Lua call, as a script sees it.
//
//	go test -run '^$' -bench . -benchtime 50000x ./bindings/

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// benchLoopEnv makes this test binary call getppid N times and exit, before
// TestMain; a Process.fork helper (which also carries the variable) is left
// alone, so it is the program the helper execs that loops.
const benchLoopEnv = "SCTRACE_BINDINGS_BENCH_LOOP"

func init() {
	if v := os.Getenv(benchLoopEnv); v != "" && !engine.IsHelper() {
		n, _ := strconv.Atoi(v)
		for i := 0; i < n; i++ {
			unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		}
		os.Exit(0)
	}
}

var sinkDecision engine.Decision

func BenchmarkToDecision(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	errnoTable := L.NewTable()
	errnoTable.RawSetInt(1, lua.LString("errno"))
	errnoTable.RawSetInt(2, lua.LString("EPERM"))
	retvalTable := L.NewTable()
	retvalTable.RawSetInt(1, lua.LString("retval"))
	retvalTable.RawSetInt(2, lua.LNumber(3))
	for _, c := range []struct {
		name string
		v    lua.LValue
	}{
		{"nil", lua.LNil},
		{"allow", lua.LString("allow")},
		{"kill", lua.LString("kill")},
		{"errno=EPERM", errnoTable},
		{"retval=3", retvalTable},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d, err := toDecision(c.v)
				if err != nil {
					b.Fatal(err)
				}
				sinkDecision = d
			}
		})
	}
}

// benchRuntime is a Runtime on the benchmark's (locked) thread.
func benchRuntime(b *testing.B) *Runtime {
	runtime.LockOSThread()
	r := New(Options{Stderr: os.Stderr})
	b.Cleanup(func() {
		r.Close()
		runtime.UnlockOSThread()
	})
	return r
}

// benchCallbacks are the callbacks the benchmarks call, by name.
var benchCallbacks = []struct{ name, src string }{
	{"args=3", `return function(nr, pid, ud) n = n + 1 end`},
	{"args=4", `return function(nr, pid, ud, call) n = n + 1 end`},
	{"args=4/call.nr", `return function(nr, pid, ud, call) n = n + call.nr end`},
	{"args=4/call.args", `return function(nr, pid, ud, call) n = n + call.args[1] end`},
	{"args=3/errno", `return function(nr, pid, ud) n = n + 1; return {"errno", "EPERM"} end`},
	// the usual script: a local counter the callback captures (a cell
	// under bindings/lua51), and a swap
	{"args=3/upvalue", `local c = 0; stops = function() return c end; return function(nr, pid, ud) c = c + 1 end`},
	{"args=3/upvalue-swap", `local c, a, b = 0, 1, 2; stops = function() return c end; return function(nr, pid, ud) c = c + 1; a, b = b, a end`},
}

// loadCallback compiles src as scripts are compiled (r.chunks) and
// returns the function it returns.
func loadCallback(b *testing.B, r *Runtime, src string) *lua.LFunction {
	if err := r.L.DoString("n = 0"); err != nil {
		b.Fatal(err)
	}
	chunk, err := r.chunks.Load(r.L, []byte(src), "callback")
	if err != nil {
		b.Fatal(err)
	}
	r.L.Push(chunk)
	if err := r.L.PCall(0, 1, nil); err != nil {
		b.Fatal(err)
	}
	fn := r.L.Get(-1).(*lua.LFunction)
	r.L.Pop(1)
	return fn
}

// BenchmarkOnSeccomp: one Lua callback per op, as onSeccomp runs it, with
// and without the callback guard start_trace installs.
func BenchmarkOnSeccomp(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		for _, c := range benchCallbacks {
			b.Run(fmt.Sprintf("%s/guard=%v", c.name, guarded), func(b *testing.B) {
				r := benchRuntime(b)
				fn := loadCallback(b, r, c.src)
				if guarded {
					g := r.newGuard()
					defer g.close()
					r.guard = g
					defer func() { r.guard = nil }()
				}
				tr := &tracing{r: r, fn: fn, wantCall: wantsCall(fn, 4)}
				st := &engine.Stop{Tid: 4242, Pid: 4242, Nr: int(unix.SYS_GETPPID), Args: [6]uint64{1, 2, 3, 4, 5, 6}}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					d, err := tr.onSeccomp(st)
					if err != nil {
						b.Fatal(err)
					}
					sinkDecision = d
				}
			})
		}
	}
}

// BenchmarkLuaTrace: one real seccomp stop handled by a Lua callback per op.
// cpu=same runs the tracer and the traced child on CPU 0. The callbacks
// start the clock at the first stop (the child's start-up is not a stop).
func BenchmarkLuaTrace(b *testing.B) {
	callbacks := []struct{ name, src string }{
		{"args=3", `return function(nr, pid, ud) if n == 0 then bench_start() end n = n + 1 end`},
		{"args=4", `return function(nr, pid, ud, call) if n == 0 then bench_start() end n = n + 1 end`},
		{"args=3/upvalue", `local c = 0; stops = function() return c end
			return function(nr, pid, ud) if c == 0 then bench_start() end c = c + 1 end`},
	}
	for _, pinned := range []bool{false, true} {
		for _, c := range callbacks {
			name := c.name + "/cpu=any"
			if pinned {
				name = c.name + "/cpu=same"
			}
			b.Run(name, func(b *testing.B) { luaTrace(b, c.src, pinned) })
		}
	}
}

func luaTrace(b *testing.B, callback string, pinned bool) {
	r := benchRuntime(b)
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	if pinned {
		var one, all unix.CPUSet
		one.Set(0)
		for i := 0; i < runtime.NumCPU(); i++ {
			all.Set(i)
		}
		if err := unix.SchedSetaffinity(0, &one); err != nil { // the child inherits it
			b.Fatal(err)
		}
		defer unix.SchedSetaffinity(0, &all)
	}
	// The helper inherits the environment; the program it execs loops.
	b.Setenv(benchLoopEnv, strconv.Itoa(b.N+1))
	r.L.SetGlobal("bench_start", r.L.NewFunction(func(*lua.LState) int {
		b.ResetTimer()
		return 0
	}))
	r.L.SetGlobal("callback", loadCallback(b, r, callback))
	script := fmt.Sprintf(`
		local pid = Process.fork(function()
			local ctx = Seccomp.new({default = "allow"}, function(rule) rule:trace("getppid", 0) end)
			ctx:load()
			exec(%q)
		end)
		local st = Seccomp.start_trace(pid, callback)
		assert(st:success(), tostring(st))
		local stops = stops and stops() or n
		assert(stops == %d, "stops: " .. stops)
	`, exe, b.N+1)
	b.ReportAllocs()
	if err := r.DoString(script, "bench"); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
}
