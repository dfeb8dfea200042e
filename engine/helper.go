package engine

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperEnv marks a re-executed child; its value names the mode.
const helperEnv = "SCTRACE_LUA_HELPER"

// procsEnv marks that Spawn set GOMAXPROCS=1 for the helper (it runs one
// interpreter and execs; fewer runtime threads start it faster), so the
// helper removes it again before the program it execs can inherit it.
const procsEnv = "SCTRACE_LUA_HELPER_PROCS"

// fdsEnv tells the helper where its release pipe, payload, ready pipe
// and control socket are ("R,P,Y,C"): Spawn puts them above every
// descriptor the command inherits, so fds 3, 4, 5… reach it untouched (see
// inheritedFds).
const fdsEnv = "SCTRACE_LUA_HELPER_FDS"

// The helper's own descriptors, from fdsEnv; -1 when absent.
var releaseFd, payloadFd, readyFd, ctlFd = -1, -1, -1, -1

// served is set by AwaitRelease when the parent serves this helper with
// Session.Serve: exec then asks it for what the filters need (ExecChild).
var served bool

func init() {
	// The helper installs its filter and calls execve from the main thread,
	// the only one the parent seized; keep the main goroutine on it.
	if IsHelper() {
		runtime.LockOSThread()
		releaseFd, payloadFd, readyFd, ctlFd = helperFds(os.Getenv(fdsEnv))
		for _, fd := range []int{releaseFd, payloadFd, readyFd, ctlFd} {
			if fd >= 0 {
				unix.CloseOnExec(fd) // never the command's
			}
		}
		// The Go runtime has started its threads by now: the parent may
		// seize this one (see Child.awaitReady).
		if readyFd >= 0 {
			y := os.NewFile(uintptr(readyFd), "ready")
			y.Write([]byte{1})
			y.Close()
		}
	}
}

// helperFds parses fdsEnv's value: four descriptors or none.
func helperFds(v string) (release, payload, ready, ctl int) {
	var fds [4]int
	parts := strings.Split(v, ",")
	if len(parts) != len(fds) {
		return -1, -1, -1, -1
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 3 {
			return -1, -1, -1, -1
		}
		fds[i] = n
	}
	return fds[0], fds[1], fds[2], fds[3]
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
	ctl      int      // our end of the control socket (see Serve); -1 once closed
	released bool
	execErr  *os.File // SpawnExec: the exec's errno, if it failed
	spawnMem func()   // SpawnExec: frees what the child reads
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
	// The control socket: a served child asks for a tracer over it and
	// passes its notification listener (see Serve).
	ctl, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("creating control socket: %w", err)
	}
	theirCtl := os.NewFile(uintptr(ctl[1]), "ctl")
	defer theirCtl.Close()
	if _, err := pf.Write(payload); err != nil {
		rw.Close()
		return nil, fmt.Errorf("writing payload: %w", err)
	}
	if _, err := pf.Seek(0, io.SeekStart); err != nil {
		rw.Close()
		return nil, fmt.Errorf("rewinding payload: %w", err)
	}
	// The child gets every inherited descriptor at its own number and its
	// three pipes above them all; it closes nothing else of ours (every
	// descriptor this process opens itself is close-on-exec).
	files := inheritedFds()
	top := len(files)
	files = append(files, rr.Fd(), pf.Fd(), yw.Fd(), theirCtl.Fd())
	env := append(cleanEnv(), helperEnv+"="+mode, fmt.Sprintf("%s=%d,%d,%d,%d", fdsEnv, top, top+1, top+2, top+3))
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", procsEnv+"=1")
	}
	// syscall.ForkExec, not os.StartProcess: the Session reaps with wait4,
	// so no os.Process (or pidfd) may hold the child.
	pid, err := syscall.ForkExec(exe, append([]string{os.Args[0]}, args...), &syscall.ProcAttr{
		Env:   env,
		Files: files,
	})
	runtime.KeepAlive(rr)
	runtime.KeepAlive(pf)
	runtime.KeepAlive(yw)
	runtime.KeepAlive(theirCtl)
	if err != nil {
		rw.Close()
		yr.Close()
		unix.Close(ctl[0])
		return nil, fmt.Errorf("starting helper child: %w", err)
	}
	return &Child{Pid: pid, release: rw, ready: yr, ctl: ctl[0]}, nil
}

// closeFd in a ProcAttr.Files list closes that number in the child.
const closeFd = ^uintptr(0)

// inheritedFds lists, by number, the descriptors the command must inherit:
// every open one without close-on-exec (what this process was started with:
// the Go runtime, os.Open, pipes and Lua's io.open all set close-on-exec).
// Entry i is i when descriptor i is passed and closeFd otherwise, up to the
// highest passed one; 0, 1 and 2 always (the Go runtime opens /dev/null on
// any of them it finds closed at start).
func inheritedFds() []uintptr {
	var open []int
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		for _, e := range ents {
			if n, err := strconv.Atoi(e.Name()); err == nil {
				open = append(open, n)
			}
		}
	} else {
		for n := 0; n < 1024; n++ { // no /proc: probe the usual range
			open = append(open, n)
		}
	}
	var files []uintptr
	for _, n := range open {
		flags, err := unix.FcntlInt(uintptr(n), unix.F_GETFD, 0)
		if err != nil || (flags&unix.FD_CLOEXEC != 0 && n > 2) {
			continue // closed since, the directory listing's own, or ours
		}
		for len(files) <= n {
			files = append(files, closeFd)
		}
		files[n] = uintptr(n)
	}
	for len(files) < 3 {
		files = append(files, uintptr(len(files)))
	}
	return files
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

// Release bytes: a child released with releaseServed talks to a parent
// running Serve over its control socket.
const (
	releasePlain  = 1
	releaseServed = 2
)

// Release lets the child run. Closing without a byte would mean "parent
// gone", so write one first.
func (c *Child) Release() error { return c.releaseWith(releasePlain) }

func (c *Child) closeCtl() {
	if c.ctl >= 0 {
		unix.Close(c.ctl)
		c.ctl = -1
	}
}

func (c *Child) releaseWith(b byte) error {
	if c.released {
		return nil
	}
	c.released = true
	if c.ready != nil {
		c.ready.Close()
		c.ready = nil
	}
	if b != releaseServed {
		c.closeCtl()
	}
	_, err := c.release.Write([]byte{b})
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
		if !strings.HasPrefix(kv, helperEnv+"=") && !strings.HasPrefix(kv, procsEnv+"=") && !strings.HasPrefix(kv, fdsEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// HelperPayload reads the payload the parent passed to Spawn. Helper only.
func HelperPayload() ([]byte, error) {
	if payloadFd < 0 {
		return nil, fmt.Errorf("reading fork payload: %s not set by the parent", fdsEnv)
	}
	f := os.NewFile(uintptr(payloadFd), "payload")
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
	os.Unsetenv(fdsEnv)
	if os.Getenv(procsEnv) != "" {
		os.Unsetenv(procsEnv)
		os.Unsetenv("GOMAXPROCS")
	}
	if releaseFd < 0 {
		return fmt.Errorf("waiting for release: %s not set by the parent", fdsEnv)
	}
	f := os.NewFile(uintptr(releaseFd), "release")
	defer f.Close()
	var b [1]byte
	n, err := f.Read(b[:])
	if n == 1 {
		served = b[0] == releaseServed
		if !served && ctlFd >= 0 {
			unix.Close(ctlFd)
			ctlFd = -1
		}
		return nil
	}
	if err == nil || err == io.EOF {
		return ErrParentGone
	}
	return fmt.Errorf("waiting for release: %w", err)
}
