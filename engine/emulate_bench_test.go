package engine_test

// Benchmarks of an emulated socket call against the same call traced and
// allowed: the child (this test binary) makes b.N socket calls, each one a
// seccomp stop; "plain" lets the tracee's call run, "emulated" performs it
// in the tracer (engine.Stop.Emulate: pidfd_getfd, getsockopt ×3, fcntl,
// the call, close) and skips the tracee's. ns/op is one call's round trip.
//
//	go test -run '^$' -bench Emulate -benchtime 20000x -count 5 ./engine/
//
// sendto (UDP to 127.0.0.1:9) and connect (UDP) run inline on the tracer
// thread; tcpconnect (to a listener in the child, which accepts after each
// connect) is held: it runs on a goroutine and completes through the
// mailbox.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// benchSockEnv makes this test binary run sockWorkload: "KIND:N".
const benchSockEnv = "SCTRACE_ENGINE_BENCH_SOCK"

// sockWorkload makes N+1 socket calls of one kind (the first starts the
// clock) and exits 0, or 1 when a call fails.
func sockWorkload(v string) int {
	kind, ns, _ := strings.Cut(v, ":")
	n, _ := strconv.Atoi(ns)
	dst := &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}
	switch kind {
	case "sendto", "connect":
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		if err != nil {
			return 1
		}
		for i := 0; i <= n; i++ {
			if kind == "sendto" {
				err = unix.Sendto(fd, []byte("x"), 0, dst)
			} else {
				err = unix.Connect(fd, dst)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, kind, err)
				return 1
			}
		}
	case "tcpconnect":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 1
		}
		lf, _ := l.(*net.TCPListener).File()
		lfd := int(lf.Fd())
		to := &unix.SockaddrInet4{Port: l.Addr().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
		for i := 0; i <= n; i++ {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			if err == nil {
				err = unix.Connect(fd, to)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, kind, err)
				return 1
			}
			unix.Close(fd)
			a, _, err := unix.Accept(lfd)
			if err == nil {
				unix.Close(a)
			}
		}
	default:
		return 1
	}
	return 0
}

// sockLoop traces the workload kind with b.N calls through h.
func sockLoop(b *testing.B, kind string, h func(*engine.Stop) (engine.Decision, error)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(benchPayload{
		Argv: []string{exe},
		Env:  append(os.Environ(), benchSockEnv+"="+kind+":"+strconv.Itoa(b.N)),
		BPF:  traceFilter(b, "connect", "sendto"),
	})
	s := engine.NewSession()
	defer s.Close()
	c, err := s.Spawn(benchExecMode, payload)
	if err != nil {
		b.Fatal(err)
	}
	// Go's net package may connect more than once while it starts; the
	// workload's own calls are at least N+1.
	if n := timeStops(b, s, c.Pid, h); n < b.N+1 {
		b.Fatalf("%d seccomp stops, want %d", n, b.N+1)
	}
}

func emulate(st *engine.Stop) (engine.Decision, error) { return st.Emulate() }

// BenchmarkEmulate: a traced socket call allowed (plain) or emulated.
func BenchmarkEmulate(b *testing.B) {
	for _, kind := range []string{"sendto", "connect", "tcpconnect"} {
		b.Run(kind+"/plain", func(b *testing.B) { sockLoop(b, kind, allow) })
		b.Run(kind+"/emulated", func(b *testing.B) { sockLoop(b, kind, emulate) })
	}
}
