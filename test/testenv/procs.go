package testenv

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Mark tags every process a test run starts: the variable Key=Value is put
// in the environment of the command, and every descendant inherits it, so
// the processes of a run can be found in /proc whoever their parent is.
type Mark struct{ Key, Value string }

// Entry is the environment entry "Key=Value".
func (m Mark) Entry() string { return m.Key + "=" + m.Value }

// procInfo is what /proc says about one process.
type procInfo struct {
	pid, ppid int
	state     string
	stat      string
	marked    bool
}

// readProc reads pid's state; with a non-empty mark it also says whether
// the process carries it (a zombie's environment is gone: never marked).
func readProc(pid int, m Mark) (procInfo, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procInfo{}, false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+4 > len(stat) {
		return procInfo{}, false
	}
	f := strings.Fields(string(stat[i+2:]))
	if len(f) < 2 {
		return procInfo{}, false
	}
	pi := procInfo{pid: pid, state: f[0], stat: strings.TrimSpace(string(stat))}
	pi.ppid, _ = strconv.Atoi(f[1])
	if m.Value != "" {
		pi.marked = bytes.Contains(readEnviron(pid, f), []byte(m.Entry()+"\x00"))
	}
	return pi, true
}

// readEnviron reads pid's environment. A process inside execve shows an
// empty one for a moment (the new stack's bounds are not set yet), so an
// empty read of a user process (not a kernel thread: PF_KTHREAD in the
// flags, stat's field 9, f[6] here) is tried again for a few milliseconds.
func readEnviron(pid int, f []string) []byte {
	const pfKthread = 0x00200000
	if len(f) > 6 {
		if flags, err := strconv.ParseUint(f[6], 10, 64); err == nil && flags&pfKthread != 0 {
			return nil
		}
	}
	for try := 0; ; try++ {
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if len(env) > 0 || try == 5 {
			return env
		}
		time.Sleep(time.Millisecond)
	}
}

func allPids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// ProcState is the state letter of pid in /proc ("R", "S", "t", "Z" …),
// "" when it is gone.
func ProcState(pid int) string {
	pi, ok := readProc(pid, Mark{})
	if !ok {
		return ""
	}
	return pi.state
}

// Orphans reaps zombie children of this process (orphans reparented here
// by PR_SET_CHILD_SUBREAPER once they died: init would reap them) and
// returns the /proc stat lines of the live ones, except the pids in busy
// (commands still running). With kill, those are killed and reaped too.
func Orphans(busy map[int]bool, kill bool) []string {
	self := os.Getpid()
	var left []string
	for _, pid := range allPids() {
		if busy[pid] {
			continue
		}
		pi, ok := readProc(pid, Mark{})
		if !ok || pi.ppid != self {
			continue
		}
		if pi.state == "Z" {
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, unix.WNOHANG, nil)
			continue
		}
		left = append(left, pi.stat)
		if kill {
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		}
	}
	return left
}

// Leftovers lists the processes that carry m (any state but zombie) or
// that were reparented to this process.
func (m Mark) Leftovers() []string {
	var left []string
	for _, pid := range allPids() {
		pi, ok := readProc(pid, m)
		if ok && pi.marked && pi.state != "Z" {
			left = append(left, "marked: "+pi.stat)
		}
	}
	for _, s := range Orphans(nil, false) {
		left = append(left, "reparented to the test: "+s)
	}
	return left
}

// AssertNoLeftovers fails the test if, after a grace period for the kernel
// to finish killing (PTRACE_O_EXITKILL is asynchronous), any process of the
// run is still there: running, sleeping, stopped (T) or in a tracing stop
// (t). Leftovers are then killed so the next test starts clean.
func (m Mark) AssertNoLeftovers(t testing.TB) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if left = m.Leftovers(); len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	m.Kill()
}

// Kill SIGKILLs every process carrying m and reaps what was reparented here.
func (m Mark) Kill() {
	for _, pid := range allPids() {
		if pi, ok := readProc(pid, m); ok && pi.marked {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
	time.Sleep(50 * time.Millisecond)
	Orphans(nil, true)
}
