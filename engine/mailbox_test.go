package engine

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A job posted from another goroutine interrupts the tracer thread's
// wait4 and runs on that thread, long before the awaited child changes
// state; jobs run in order; a closed mailbox refuses posts.
func TestMailboxInterruptsWait(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	child, err := os.StartProcess("/bin/sleep", []string{"sleep", "60"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		child.Kill()
		child.Wait()
	}()
	m := newMailbox()
	var order []int
	var ranOn []int
	go func() {
		time.Sleep(20 * time.Millisecond)
		for i := 1; i <= 3; i++ {
			i := i
			m.post(func() { order = append(order, i); ranOn = append(ranOn, unix.Gettid()) })
		}
	}()
	for len(order) < 3 {
		m.waiting.Store(true)
		if m.pending.Load() {
			m.waiting.Store(false)
			m.run()
			continue
		}
		var ws unix.WaitStatus
		wpid, err := rawWait4(&ws, 0)
		m.waiting.Store(false)
		if err != unix.EINTR {
			t.Fatalf("wait4 returned pid %d, err %v; want EINTR from the mailbox while the child sleeps", wpid, err)
		}
		m.run()
	}
	if order[0] != 1 || order[1] != 2 || order[2] != 3 {
		t.Errorf("jobs ran in order %v, want [1 2 3]", order)
	}
	for _, tid := range ranOn {
		if tid != m.tid {
			t.Errorf("a job ran on thread %d, want the tracer thread %d", tid, m.tid)
		}
	}
	m.close()
	if m.post(func() { t.Error("a job posted after close ran") }) {
		t.Error("post after close reported true")
	}
	m.run()
}
