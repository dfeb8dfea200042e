package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The lines are strace 6.1's for python's thread start and make's
// posix_spawn (addresses as they were).
func TestClone3(t *testing.T) {
	thread := func(m *fakeMem) {
		m.words(bufA, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_THREAD|unix.CLONE_SYSVSEM|
			unix.CLONE_SETTLS|unix.CLONE_PARENT_SETTID|unix.CLONE_CHILD_CLEARTID,
			0, 0x7fdd07784990, bufB, 0, 0x7fdd06f84000, 0x7fff80, 0x7fdd077846c0, 0, 0, 0)
		m.int32s(bufB, 4829)
	}
	runCases(t, []tcase{
		{name: "thread", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 88}, mem: thread, ret: r(4829),
			want: "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, " +
				"child_tid=0x7fdd07784990, parent_tid=0x2000, exit_signal=0, stack=0x7fdd06f84000, stack_size=0x7fff80, tls=0x7fdd077846c0} => {parent_tid=[4829]}, 88) = 4829"},
		{name: "thread failed", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 88}, mem: thread, ret: r(-int64(unix.EAGAIN)),
			want: "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, " +
				"child_tid=0x7fdd07784990, parent_tid=0x2000, exit_signal=0, stack=0x7fdd06f84000, stack_size=0x7fff80, tls=0x7fdd077846c0}, 88) = -1 EAGAIN (Resource temporarily unavailable)"},
		{name: "vfork", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 88},
			mem: func(m *fakeMem) {
				m.words(bufA, unix.CLONE_VM|unix.CLONE_VFORK, 0, 0, 0, uint64(unix.SIGCHLD), 0x7f3c1000, 0x9000, 0, 0, 0, 0)
			}, ret: r(77),
			want: "clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f3c1000, stack_size=0x9000}, 88) = 77"},
		{name: "too small", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 56},
			mem: func(m *fakeMem) { m.words(bufA, 0, 0, 0, 0, 0, 0, 0, 0) }, ret: r(-int64(unix.EINVAL)),
			want: "clone3(0x1000, 56) = -1 EINVAL (Invalid argument)"},
		{name: "unreadable", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 88}, ret: r(-int64(unix.EFAULT)),
			want: "clone3(0x1000, 88) = -1 EFAULT (Bad address)"},
		{name: "set_tid and clone3 flags", sys: "clone3", args: map[string]uint64{"cl_args": bufA, "size": 88},
			mem: func(m *fakeMem) {
				m.words(bufA, unix.CLONE_CLEAR_SIGHAND|unix.CLONE_INTO_CGROUP, 0, 0, 0, uint64(unix.SIGCHLD), 0, 0, 0, bufC, 2, 5)
				m.int32s(bufC, 300, 1)
			}, ret: r(300),
			want: "clone3({flags=CLONE_CLEAR_SIGHAND|CLONE_INTO_CGROUP, exit_signal=SIGCHLD, stack=NULL, stack_size=0, set_tid=[300, 1], set_tid_size=2, cgroup=5}, 88) = 300"},
	})
}

// spMem is a Memory with a stack pointer, as *engine.Stop is.
type spMem struct {
	*fakeMem
	sp uint64
}

func (m spMem) StackPointer() uint64 { return m.sp }

func TestRtSigreturn(t *testing.T) {
	sig := byName()["rt_sigreturn"]
	m := newMem()
	const sp = 0x10000
	m.put(sp+sigmaskOffset, []byte{1<<(unix.SIGINT-1) | 1<<(unix.SIGHUP-1), 1 << (unix.SIGTERM - 9), 0, 0, 0, 0, 0, 0})
	for _, c := range []struct {
		mem  Memory
		want string
	}{
		{spMem{m, sp}, "rt_sigreturn({mask=[HUP INT TERM]}) = 0"},
		{spMem{m, 0x20000}, "rt_sigreturn({mask=0x" + hexDigits(0x20000+sigmaskOffset) + "}) = 0"},
		{m, "rt_sigreturn() = 0"}, // no stack pointer: nothing to read
	} {
		call := Decode(sig.nr, [6]uint64{}, c.mem, Options{})
		call.Exit(0, c.mem, Options{})
		if got := call.Format(); got != c.want {
			t.Errorf("got %s\nwant %s", got, c.want)
		}
	}
}

func hexDigits(v uint64) string { return hexText(v)[2:] }
