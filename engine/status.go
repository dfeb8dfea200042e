package engine

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Status is how a process ended, as wait4 reported it.
type Status struct {
	Pid int
	WS  unix.WaitStatus
}

func (s Status) Exited() bool    { return s.WS.Exited() }
func (s Status) ExitStatus() int { return s.WS.ExitStatus() }
func (s Status) Signaled() bool  { return s.WS.Signaled() }
func (s Status) Stopped() bool   { return s.WS.Stopped() }
func (s Status) Success() bool   { return s.WS.Exited() && s.WS.ExitStatus() == 0 }
func (s Status) CoreDump() bool  { return s.WS.CoreDump() }
func (s Status) Signal() syscall.Signal {
	if s.WS.Signaled() {
		return s.WS.Signal()
	}
	if s.WS.Stopped() {
		return s.WS.StopSignal()
	}
	return 0
}

// ShellCode is the status a shell (and strace) reports: the exit code, or
// 128+N for death by signal N.
func (s Status) ShellCode() int {
	if s.Signaled() {
		return 128 + int(s.WS.Signal())
	}
	return s.ExitStatus()
}

// SignalName is "SIGKILL" for 9, or "SIG<n>" when unknown.
func SignalName(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	return fmt.Sprintf("SIG%d", int(sig))
}

// ParseSignal accepts "KILL", "SIGKILL", "kill" or a number.
func ParseSignal(s string) (syscall.Signal, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		if n < 0 || n > 64 {
			return 0, fmt.Errorf("signal number %d out of range 0..64", n)
		}
		return syscall.Signal(n), nil
	}
	up := []byte(s)
	for i, c := range up {
		if c >= 'a' && c <= 'z' {
			up[i] = c - 'a' + 'A'
		}
	}
	name := string(up)
	if len(name) < 3 || name[:3] != "SIG" {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q (expected a name like \"TERM\" or \"SIGKILL\", or a number)", s)
}
