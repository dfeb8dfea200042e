package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's (its getresuid, times, sched_xetaffinity,
// sigaltstack, rt_sigprocmask and rt_sigpending tests).
func TestProcStructs(t *testing.T) {
	runCases(t, []tcase{
		{name: "getresuid", sys: "getresuid", args: map[string]uint64{"ruid": bufA, "euid": bufB, "suid": bufC},
			mem:  func(m *fakeMem) { m.int32s(bufA, 0); m.int32s(bufB, 1000); m.int32s(bufC, -1) },
			ret:  r(0),
			want: `getresuid([0], [1000], [-1]) = 0`},
		{name: "getresuid EFAULT", sys: "getresuid", args: map[string]uint64{"ruid": bufA, "euid": 0, "suid": bufC},
			ret:  r(-int64(unix.EFAULT)),
			want: `getresuid(0x1000, NULL, 0x3000) = -1 EFAULT (Bad address)`},
		{name: "times", sys: "times", args: map[string]uint64{"buf": bufA},
			mem:  func(m *fakeMem) { m.words(bufA, 31, 59, 0, 105) },
			ret:  r(1717996223),
			want: `times({tms_utime=31 /* 0.31 s */, tms_stime=59 /* 0.59 s */, tms_cutime=0, tms_cstime=105 /* 1.05 s */}) = 1717996223`},
		{name: "times NULL", sys: "times", args: map[string]uint64{"buf": 0}, ret: r(42),
			want: `times(NULL) = 42`},
		{name: "sched_getaffinity", sys: "sched_getaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 8, "mask": bufA},
			mem: func(m *fakeMem) { m.words(bufA, 3) }, ret: r(8),
			want: `sched_getaffinity(1, 8, [0 1]) = 8`},
		{name: "sched_getaffinity longer than strace reads", sys: "sched_getaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 256, "mask": bufA},
			mem: func(m *fakeMem) { m.put(bufA, append([]byte{0x2}, make([]byte, 255)...)) }, ret: r(256),
			want: `sched_getaffinity(1, 256, [1 ...]) = 256`},
		{name: "sched_getaffinity EINVAL", sys: "sched_getaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 1, "mask": 0},
			ret: r(-int64(unix.EINVAL)), want: `sched_getaffinity(1, 1, NULL) = -1 EINVAL (Invalid argument)`},
		{name: "sched_setaffinity empty", sys: "sched_setaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 0, "mask": bufD},
			ret: r(-int64(unix.EINVAL)), want: `sched_setaffinity(1, 0, []) = -1 EINVAL (Invalid argument)`},
		{name: "sched_setaffinity reads only cpusetsize bytes", sys: "sched_setaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 7, "mask": bufA},
			mem: func(m *fakeMem) { m.words(bufA, 1<<56|1<<9) }, ret: r(0),
			want: `sched_setaffinity(1, 7, [9]) = 0`},
		{name: "sched_setaffinity unreadable", sys: "sched_setaffinity", args: map[string]uint64{"pid": 1, "cpusetsize": 1, "mask": bufD},
			ret: r(-int64(unix.EFAULT)), want: `sched_setaffinity(1, 1, 0x4000) = -1 EFAULT (Bad address)`},
		{name: "sigaltstack", sys: "sigaltstack", args: map[string]uint64{"ss": bufA, "old_ss": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 0xbaadf00d, 0xdead0000_00000002, 3735928559); m.words(bufB, 0, 2, 0) },
			ret:  r(0),
			want: `sigaltstack({ss_sp=0xbaadf00d, ss_flags=SS_DISABLE, ss_size=3735928559}, {ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}) = 0`},
		{name: "sigaltstack unknown flag", sys: "sigaltstack", args: map[string]uint64{"ss": bufA, "old_ss": 0},
			mem:  func(m *fakeMem) { m.words(bufA, 0, 0x80000005, 0) },
			ret:  r(-int64(unix.EINVAL)),
			want: `sigaltstack({ss_sp=NULL, ss_flags=SS_ONSTACK|SS_AUTODISARM|0x4, ss_size=0}, NULL) = -1 EINVAL (Invalid argument)`},
		{name: "rt_sigprocmask wrong size is an address", sys: "rt_sigprocmask",
			args: map[string]uint64{"how": unix.SIG_UNBLOCK, "set": bufA, "oldset": bufB, "sigsetsize": 4},
			mem:  func(m *fakeMem) { m.words(bufA, ^uint64(0)) },
			ret:  r(-int64(unix.EINVAL)),
			want: `rt_sigprocmask(SIG_UNBLOCK, 0x1000, 0x2000, 4) = -1 EINVAL (Invalid argument)`},
		{name: "rt_sigpending takes short sets", sys: "rt_sigpending", args: map[string]uint64{"set": bufA, "sigsetsize": 2},
			mem: func(m *fakeMem) { m.put(bufA, []byte{3, 0}) }, ret: r(0),
			want: `rt_sigpending([HUP INT], 2) = 0`},
		{name: "rt_sigpending size 0", sys: "rt_sigpending", args: map[string]uint64{"set": bufA, "sigsetsize": 0}, ret: r(0),
			want: `rt_sigpending(0x1000, 0) = 0`},
	})
}
