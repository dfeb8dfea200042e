package bindings_test

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sctrace-lua/sctrace-lua/bindings"
)

// The notify-only loop blocks in a raw receive that keeps its thread's P.
// A garbage collection started while the child is idle must still finish
// before the next notification: the goroutine that starts it is the one
// that then kills the child, which would otherwise sleep 20 s and exit 0.
func TestCollectionWhileANotifiedChildIsIdle(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var stderr bytes.Buffer
	r := bindings.New(bindings.Options{Stderr: &stderr})
	defer r.Close()
	collected := make(chan struct{})
	go func() {
		pid := 0
		for pid == 0 {
			time.Sleep(10 * time.Millisecond)
			pid = childNamed("sleep")
		}
		runtime.GC()
		close(collected)
		syscall.Kill(pid, syscall.SIGKILL)
	}()
	out := captureStdout(t, func() error {
		return r.DoString(`
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx) ctx:notify("getppid") end):load()
  exec("/bin/sleep", "20")
end)
print(tostring(Seccomp.start_trace(pid, function() end)))
`, "gc")
	})
	if out.err != nil {
		t.Fatalf("%v\n%s", out.err, stderr.String())
	}
	select {
	case <-collected:
	default:
		t.Fatal("the collection did not finish while the child slept")
	}
	if !strings.Contains(out.text, "signaled(SIGKILL)") {
		t.Errorf("status %q, want the child killed by the goroutine", out.text)
	}
}

// childNamed is the pid of a child of this process whose command is
// comm, 0 if there is none.
func childNamed(comm string) int {
	ents, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.HasPrefix(s[strings.IndexByte(s, '(')+1:], comm+")") {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == self {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	return 0
}
