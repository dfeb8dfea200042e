package engine

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// helperEnv marks a re-executed child; its value names the mode.
const helperEnv = "SCTRACE_LUA_HELPER"

// procsEnv marks that Spawn set GOMAXPROCS=1 for the helper (it runs one
// interpreter and execs; fewer runtime threads start it faster), so the
// helper removes it again before the program it execs can inherit it.
const procsEnv = "SCTRACE_LUA_HELPER_PROCS"

// The helper's release pipe, payload and ready pipe are fixed descriptors.
const (
	releaseFd = 3
	payloadFd = 4
	readyFd   = 5
)

func init() {
	// The helper installs its filter and calls execve from the main thread,
	// the only one the parent seized; keep the main goroutine on it.
	if IsHelper() {
		runtime.LockOSThread()
		// The Go runtime has started its threads by now: the parent may
		// seize this one (see Child.awaitReady).
		if y := os.NewFile(readyFd, "ready"); y != nil {
			y.Write([]byte{1})
			y.Close()
		}
	}
}

// IsHelper reports whether this process is a child started by Spawn.
func IsHelper() bool { return os.Getenv(helperEnv) != "" }

// HelperMode returns the mode string the parent passed to Spawn.
func HelperMode() string { return os.Getenv(helperEnv) }

// Child is a helper process started by Spawn, waiting to be released.
type Child struct {
	Pid      int
	release  *os.File
	ready    *os.File // closed by awaitReady
	released bool
}

// Spawn re-executes this binary as a helper child in the given mode with the
// payload on its payload descriptor. The child blocks until released.
// Precondition: called on the Session's thread (see Session.Spawn).
func spawn(mode string, payload []byte, args []string) (*Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding own executable: %w", err)
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating release pipe: %w", err)
	}
	defer rr.Close()
	yr, yw, err := os.Pipe()
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("creating ready pipe: %w", err)
	}
	defer yw.Close()
	pfd, err := unix.MemfdCreate("sctrace-lua-payload", unix.MFD_CLOEXEC)
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("creating payload memfd: %w", err)
	}
	pf := os.NewFile(uintptr(pfd), "payload")
	defer pf.Close()
	if _, err := pf.Write(payload); err != nil {
		rw.Close()
		return nil, fmt.Errorf("writing payload: %w", err)
	}
	if _, err := pf.Seek(0, io.SeekStart); err != nil {
		rw.Close()
		return nil, fmt.Errorf("rewinding payload: %w", err)
	}
	env := append(cleanEnv(), helperEnv+"="+mode)
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", procsEnv+"=1")
	}
	p, err := os.StartProcess(exe, append([]string{os.Args[0]}, args...), &os.ProcAttr{
		Env:   env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, rr, pf, yw},
	})
	if err != nil {
		rw.Close()
		yr.Close()
		return nil, fmt.Errorf("starting helper child: %w", err)
	}
	pid := p.Pid
	// The Session reaps with wait4; os.Process must not hold a pidfd for it.
	_ = p.Release()
	return &Child{Pid: pid, release: rw, ready: yr}, nil
}

// awaitReady blocks until the child's Go runtime has started. Seizing it earlier would trace its Go runtime's start-up: every
// thread it creates would stop twice (clone event, first stop) for nothing.
// EOF (the child died) returns too: seizing will then report the error.
func (c *Child) awaitReady() {
	if c.ready == nil {
		return
	}
	var b [1]byte
	c.ready.Read(b[:])
	c.ready.Close()
	c.ready = nil
}

// Release lets the child run. Closing without a byte would mean "parent
// gone", so write one first.
func (c *Child) Release() error {
	if c.released {
		return nil
	}
	c.released = true
	if c.ready != nil {
		c.ready.Close()
		c.ready = nil
	}
	_, err := c.release.Write([]byte{1})
	c.release.Close()
	if err != nil {
		return fmt.Errorf("releasing child %d: %w", c.Pid, err)
	}
	return nil
}

// cleanEnv is this process's environment without the helper marker, so that
// a helper spawning helpers, or a program it execs, starts clean.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, helperEnv+"=") && !strings.HasPrefix(kv, procsEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// HelperPayload reads the payload the parent passed to Spawn. Helper only.
func HelperPayload() ([]byte, error) {
	f := os.NewFile(payloadFd, "payload")
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading fork payload: %w", err)
	}
	return b, nil
}

// AwaitRelease blocks until the parent releases this helper (after seizing
// it, if it traces it). It also drops the helper marker from the
// environment. Helper only.
func AwaitRelease() error {
	os.Unsetenv(helperEnv)
	if os.Getenv(procsEnv) != "" {
		os.Unsetenv(procsEnv)
		os.Unsetenv("GOMAXPROCS")
	}
	f := os.NewFile(releaseFd, "release")
	defer f.Close()
	var b [1]byte
	n, err := f.Read(b[:])
	if n == 1 {
		return nil
	}
	if err == nil || err == io.EOF {
		return ErrParentGone
	}
	return fmt.Errorf("waiting for release: %w", err)
}
