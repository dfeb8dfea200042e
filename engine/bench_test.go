package engine_test

// Benchmarks of the per-event hot path: a real traced child (this test
// binary, re-executed under a seccomp filter that traces getppid) calls
// getppid b.N times; each call is one SECCOMP_RET_TRACE stop handled by a Go
// handler. ns/op is the round trip of one stop (tracee stops, wait4 returns,
// PTRACE_GET_SYSCALL_INFO, handler, PTRACE_CONT, tracee runs); allocs/op is
// what the engine allocates per event.
//
//	go test -run '^$' -bench . -benchtime 100000x ./engine/
//
// The cpu= variants place the tracer thread and the tracee: "any" leaves it
// to the scheduler, "same" puts both on CPU 0, "split" the tracer on CPU 0
// and the tracee on CPU 1 (the cross-CPU wake-up on every stop), "tracer0"
// only the tracer on CPU 0 (the tracee's own affinity untouched); poll=0
// turns the tracer's poll before each wait off.

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

const (
	// benchExecMode is the helper mode that installs the filter and execs.
	benchExecMode = "engine-bench-exec"
	// benchLoopEnv makes this test binary call getppid N times and exit.
	benchLoopEnv = "SCTRACE_ENGINE_BENCH_LOOP"
)

type benchPayload struct {
	Argv, Env []string
	BPF       []byte
}

func TestMain(m *testing.M) {
	if engine.IsHelper() && engine.HelperMode() == benchExecMode {
		os.Exit(benchExecHelper())
	}
	if v := os.Getenv(benchSockEnv); v != "" {
		os.Exit(sockWorkload(v))
	}
	if v := os.Getenv(benchLoopEnv); v != "" {
		n, _ := strconv.Atoi(v)
		for i := 0; i < n; i++ {
			unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func benchExecHelper() int {
	b, err := engine.HelperPayload()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var p benchPayload
	if err := json.Unmarshal(b, &p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := engine.AwaitRelease(); err != nil {
		return 1
	}
	err = engine.Exec(p.Argv[0], p.Argv, p.Env, [][]byte{p.BPF})
	fmt.Fprintln(os.Stderr, err)
	return 127
}

// getppidFilter traces getppid with user data 0 and allows everything else.
func getppidFilter(b *testing.B) []byte { return traceFilter(b, "getppid") }

// traceFilter traces the named syscalls with user data 0 and allows
// everything else.
func traceFilter(b *testing.B, names ...string) []byte {
	b.Helper()
	trace, _ := filter.TraceAction(0)
	spec := filter.Spec{Default: filter.ActionAllow}
	for _, name := range names {
		nr, err := filter.SyscallNumber(name)
		if err != nil {
			b.Fatal(err)
		}
		if err := spec.Add(filter.Rule{Action: trace, Syscall: nr}); err != nil {
			b.Fatal(err)
		}
	}
	bpf, err := spec.BPF()
	if err != nil {
		b.Fatal(err)
	}
	return bpf
}

// pinThread sets the calling thread's CPU mask to cpu (-1: every CPU).
// Precondition: the runtime OS thread must be locked.
func pinThread(b *testing.B, cpu int) {
	var set unix.CPUSet
	if cpu < 0 {
		for i := 0; i < runtime.NumCPU(); i++ {
			set.Set(i)
		}
	} else {
		set.Set(cpu)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		b.Fatalf("sched_setaffinity(%d): %v", cpu, err)
	}
}

// traceLoop traces a child doing b.N getppid (plus one to start the clock)
// and hands every stop to h. tracerCPU/traceeCPU: -1 for any.
func traceLoop(b *testing.B, tracerCPU, traceeCPU int, h func(*engine.Stop) (engine.Decision, error)) {
	if (tracerCPU > 0 || traceeCPU > 0) && runtime.NumCPU() < 2 {
		b.Skip("needs 2 CPUs")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer pinThread(b, -1)

	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(benchPayload{
		Argv: []string{exe},
		Env:  append(os.Environ(), benchLoopEnv+"="+strconv.Itoa(b.N+1)),
		BPF:  getppidFilter(b),
	})
	s := engine.NewSession()
	defer s.Close()
	pinThread(b, traceeCPU) // the child inherits this thread's mask
	c, err := s.Spawn(benchExecMode, payload)
	if err != nil {
		b.Fatal(err)
	}
	pinThread(b, tracerCPU)

	if n := timeStops(b, s, c.Pid, h); n != b.N+1 {
		b.Fatalf("%d seccomp stops, want %d", n, b.N+1)
	}
}

// timeStops traces pid with h, timing from its first stop (the child's
// start-up is not a stop), checks it exits 0 and returns the stops seen.
func timeStops(b *testing.B, s *engine.Session, pid int, h func(*engine.Stop) (engine.Decision, error)) int {
	n := 0
	b.ReportAllocs()
	st, err := s.Trace(pid, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if n == 0 {
			b.ResetTimer()
		}
		n++
		return h(st)
	}})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if !st.Exited() || st.ExitStatus() != 0 {
		b.Fatalf("traced child: %+v", st)
	}
	return n
}

func allow(*engine.Stop) (engine.Decision, error) { return engine.Decision{}, nil }

// BenchmarkSeccompStop: one traced getppid, allowed, per op.
func BenchmarkSeccompStop(b *testing.B) {
	for _, c := range []struct {
		name           string
		tracer, tracee int
	}{{"cpu=any", -1, -1}, {"cpu=same", 0, 0}, {"cpu=split", 0, 1}, {"cpu=tracer0", 0, -1}} {
		b.Run(c.name, func(b *testing.B) { traceLoop(b, c.tracer, c.tracee, allow) })
	}
	// Without the poll before each wait (poll.go): every stop sleeps.
	b.Run("cpu=any/poll=0", func(b *testing.B) {
		engine.SetPollMax(0)
		defer engine.SetPollMax(engine.DefaultPollMax)
		traceLoop(b, -1, -1, allow)
	})
}

// BenchmarkSeccompStopFail: the handler fails the call with EPERM, which
// reads and writes the registers (skip the call, set the return value).
func BenchmarkSeccompStopFail(b *testing.B) {
	fail := func(*engine.Stop) (engine.Decision, error) {
		return engine.Decision{Verdict: engine.Fail, Value: int64(unix.EPERM)}, nil
	}
	b.Run("cpu=same", func(b *testing.B) { traceLoop(b, 0, 0, fail) })
}

// BenchmarkSeccompStopArgs: the handler reads the decoded stop (number,
// arguments, user data), as a decoder does.
func BenchmarkSeccompStopArgs(b *testing.B) {
	var sink uint64
	read := func(st *engine.Stop) (engine.Decision, error) {
		sink += uint64(st.Nr) + st.Args[0] + st.Args[5] + uint64(st.UD) + uint64(st.Pid)
		return engine.Decision{}, nil
	}
	b.Run("cpu=same", func(b *testing.B) { traceLoop(b, 0, 0, read) })
	_ = sink
}
