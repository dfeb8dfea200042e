package engine

import (
	"os"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The exit watch interrupts a raw blocking call on the owner thread when
// the watched process exits, and only then: the call keeps failing with
// EINTR until the owner has seen fired.
func TestExitWatchInterruptsBlockingCall(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	child, err := os.StartProcess("/bin/sleep", []string{"sleep", "0.1"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	pidfd, err := unix.PidfdOpen(child.Pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	w := newExitWatch(pidfd)
	if w == nil {
		t.Fatal("no exit watch")
	}
	defer w.stop()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	var b [1]byte
	w.setWaiting(true) // the watch rings only a thread that says it waits
	for !w.fired() {
		// nothing is ever written: only a signal ends this read
		_, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(p[0]), uintptr(unsafe.Pointer(&b[0])), 1)
		if e != unix.EINTR {
			t.Fatalf("read returned %v, want EINTR", e)
		}
	}
	var ws unix.WaitStatus
	if pid, err := unix.Wait4(child.Pid, &ws, unix.WNOHANG, nil); err != nil || pid != child.Pid {
		t.Errorf("fired, but the child has not exited: wait4 %d, %v", pid, err)
	}
}
