package itest

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// BenchmarkStartTrue: start /bin/true under a filter whose default is the
// stop, trace it to its end. helper: Spawn re-executes the test binary,
// which installs the filter and execs (a second Go runtime starts); exec:
// SpawnExec's clone runs a few system calls and execs. What trace's
// start-up costs beyond its own Go runtime.
func BenchmarkStartTrue(b *testing.B) {
	act, _ := filter.TraceAction(0)
	bpf, err := filter.Spec{Default: act}.BPF()
	if err != nil {
		b.Fatal(err)
	}
	argv := []string{"/bin/true"}
	payload, _ := json.Marshal(execPayload{Argv: argv, BPF: bpf})
	for _, c := range []struct {
		name  string
		spawn func(s *engine.Session) (*engine.Child, error)
	}{
		{"helper", func(s *engine.Session) (*engine.Child, error) { return s.Spawn(execMode, payload) }},
		{"exec", func(s *engine.Session) (*engine.Child, error) { return s.SpawnExec(argv[0], argv, nil, [][]byte{bpf}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			s := engine.NewSession()
			defer s.Close()
			stops := 0
			h := engine.Hooks{Seccomp: func(*engine.Stop) (engine.Decision, error) { stops++; return engine.Decision{}, nil }}
			for i := 0; i < b.N; i++ {
				ch, err := c.spawn(s)
				if err != nil {
					b.Fatal(err)
				}
				st, err := s.Trace(ch.Pid, h)
				if err != nil || !st.Exited() || st.ExitStatus() != 0 {
					b.Fatalf("status %+v, %v", st, err)
				}
				ch.ExecErrno()
			}
			b.ReportMetric(float64(stops)/float64(b.N), "stops/op")
		})
	}
}
