package itest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"golang.org/x/sys/unix"
)

// startDetached runs `sh -c script` as a process that is not a child of the
// test (its parent sh exits at once), as a process someone else started,
// and returns its pid; the test kills it at the end.
func startDetached(t *testing.T, script string) int {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", "/bin/sh -c '"+script+"' </dev/null >/dev/null 2>&1 & echo $!").Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL) })
	return pid
}

// procField reads a "Name:\tvalue" line of /proc/PID/status.
func procField(pid int, name string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	for i := 0; i < 500; i++ {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never written", path)
	return ""
}

func openatPath(st *engine.Stop) string {
	if st.Nr != unix.SYS_OPENAT {
		return ""
	}
	p, _, _ := st.ReadString(st.Args[1], 4096)
	return p
}

// Attach traces a running process with no filter of ours: its calls reach
// the handler with their arguments, decisions apply (the first five opens
// fail with EACCES, as the loop's log shows), and Detach lets it run on,
// untraced and not stopped.
func TestAttachDecideDetach(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	pid := startDetached(t, "echo > "+dir+"/ready; while :; do if read x < /etc/hostname; then echo ok; else echo fail; fi >> "+log+"; done")
	waitFile(t, dir+"/ready")
	s := engine.NewSession()
	denied, seen := 0, 0
	var readyTids map[int][]int
	err := s.Attach([]int{pid}, engine.AttachOptions{Ready: func(m map[int][]int) { readyTids = m }}, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if st.Pid != pid {
			t.Errorf("a call of pid %d, not %d", st.Pid, pid)
		}
		if openatPath(st) != "/etc/hostname" {
			return engine.Decision{}, nil
		}
		seen++
		if denied < 5 {
			denied++
			return engine.Decision{Verdict: engine.Fail, Value: int64(syscall.EACCES)}, nil
		}
		if seen == 20 {
			st.Detach()
		}
		return engine.Decision{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(readyTids[pid]) != 1 || readyTids[pid][0] != pid {
		t.Errorf("seized %v, want [%d]", readyTids, pid)
	}
	if seen != 20 {
		t.Errorf("saw %d opens of /etc/hostname, want 20", seen)
	}
	if tp := procField(pid, "TracerPid"); tp != "0" {
		t.Errorf("after detaching, TracerPid %q", tp)
	}
	b1, _ := os.ReadFile(log)
	time.Sleep(100 * time.Millisecond)
	b2, _ := os.ReadFile(log)
	if len(b2) <= len(b1) {
		t.Errorf("no progress after detaching (state %s)", procField(pid, "State"))
	}
	lines := strings.Split(strings.TrimSpace(string(b2)), "\n")
	fails := 0
	for _, l := range lines {
		if l == "fail" {
			fails++
		}
	}
	// Before the attach the loop only succeeded; the first five opens
	// after it failed, the rest succeeded.
	all := strings.Join(lines, " ")
	if fails != 5 || !strings.Contains(all, "fail fail fail fail fail ok") {
		t.Errorf("the loop's log has %d fails, want five in a row: %q", fails, all[:min(len(all), 200)])
	}
}

// A process that exits while attached ends Attach, and its status is
// reported to the Exit hook although it is not the tracer's child.
func TestAttachExit(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	pid := startDetached(t, "echo > "+dir+"/ready; while [ ! -e "+dir+"/go ]; do :; done; exit 7")
	waitFile(t, dir+"/ready")
	s := engine.NewSession()
	var st engine.Status
	exits := 0
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.WriteFile(dir+"/go", []byte("x\n"), 0o644)
	}()
	err := s.Attach([]int{pid}, engine.AttachOptions{}, engine.Hooks{Exit: func(s engine.Status) error {
		st = s
		exits++
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if exits != 1 || st.Pid != pid || !st.WS.Exited() || st.WS.ExitStatus() != 7 {
		t.Errorf("exit hook ran %d times, last %+v", exits, st)
	}
}

// With Follow, the children a process forks after the attach are traced.
func TestAttachFollow(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	pid := startDetached(t, "echo > "+dir+"/ready; while :; do /bin/cat /etc/hostname >/dev/null; done")
	waitFile(t, dir+"/ready")
	s := engine.NewSession()
	children := map[int]bool{}
	err := s.Attach([]int{pid}, engine.AttachOptions{Follow: true}, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		if openatPath(st) == "/etc/hostname" {
			if st.Pid == pid {
				t.Errorf("the shell itself opened the file")
			}
			children[st.Pid] = true
			if len(children) == 5 {
				st.Detach()
			}
		}
		return engine.Decision{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 5 {
		t.Errorf("saw opens from %d children, want 5", len(children))
	}
	time.Sleep(50 * time.Millisecond)
	if tp := procField(pid, "TracerPid"); tp != "0" {
		t.Errorf("after detaching, TracerPid %q", tp)
	}
}

// A SIGTERM to the tracer detaches: the process runs on.
func TestAttachSignalDetaches(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	pid := startDetached(t, "echo > "+dir+"/ready; while :; do read x < /etc/hostname; done")
	waitFile(t, dir+"/ready")
	s := engine.NewSession()
	n := 0
	err := s.Attach([]int{pid}, engine.AttachOptions{}, engine.Hooks{Seccomp: func(st *engine.Stop) (engine.Decision, error) {
		n++
		if n == 100 {
			unix.Kill(unix.Getpid(), unix.SIGTERM)
		}
		return engine.Decision{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("%d calls before the detach", n)
	}
	if tp := procField(pid, "TracerPid"); tp != "0" {
		t.Errorf("after SIGTERM, TracerPid %q", tp)
	}
	if st := procField(pid, "State"); strings.HasPrefix(st, "t") || strings.HasPrefix(st, "T") {
		t.Errorf("after SIGTERM the process is %s", st)
	}
}

// Attaching to a pid that does not exist, or to the tracer, fails clearly.
func TestAttachErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := engine.NewSession()
	err := s.Attach([]int{1 << 22}, engine.AttachOptions{}, engine.Hooks{})
	if !errors.Is(err, unix.ESRCH) {
		t.Errorf("attach to a free pid: %v", err)
	}
	err = s.Attach([]int{os.Getpid()}, engine.AttachOptions{}, engine.Hooks{})
	if !errors.Is(err, engine.ErrAttachSelf) {
		t.Errorf("attach to itself: %v", err)
	}
}
