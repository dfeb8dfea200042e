package bindings

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// BenchmarkLearn: the per-stop cost of `learn`, where every call of the
// program stops. go: Seccomp.learn, each stop recorded by the Go side;
// lua: the same filter under Seccomp.start_trace with the cheapest Lua
// callback (3 parameters, counting by number). One op is one stop (a
// getppid of this test binary re-executed); both include the child's
// start-up, so compare them with each other at a large -benchtime.
//
//	go test -run '^$' -bench Learn -benchtime 100000x -count 5 ./bindings/
func BenchmarkLearn(b *testing.B) {
	for _, c := range []struct{ name, trace string }{
		{"go", `local st, set = Seccomp.learn(pid)`},
		{"lua", `local counts = {}
			local st = Seccomp.start_trace(pid, function(nr, pid, ud) counts[nr] = (counts[nr] or 0) + 1 end)`},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := benchRuntime(b)
			exe, err := os.Executable()
			if err != nil {
				b.Fatal(err)
			}
			b.Setenv(benchLoopEnv, strconv.Itoa(b.N))
			script := fmt.Sprintf(`
				local ctx = Seccomp.new({default = {"trace", 1}})
				local pid = Process.fork(function() ctx:load(); exec(%q) end)
				%s
				assert(st:success(), tostring(st))
			`, exe, c.trace)
			b.ReportAllocs()
			b.ResetTimer()
			if err := r.DoString(script, "bench"); err != nil {
				b.Fatal(err)
			}
		})
	}
}
