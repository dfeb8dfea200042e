package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's (its nanosleep, clock_nanosleep and
// timerfd_xettime tests).
func TestTimeStructs(t *testing.T) {
	const erestartNoHand = 514
	const erestartBlock = 516
	remain := func(m *fakeMem) { m.words(bufB, 789986, 789987) }
	runCases(t, []tcase{
		{name: "nanosleep EFAULT keeps rem an address", sys: "nanosleep", args: map[string]uint64{"req": 0, "rem": bufB},
			mem: remain, ret: r(-int64(unix.EFAULT)),
			want: `nanosleep(NULL, 0x2000) = -1 EFAULT (Bad address)`},
		{name: "nanosleep EINVAL, negative nsec unsigned", sys: "nanosleep", args: map[string]uint64{"req": bufA, "rem": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, ^uint64(0), ^uint64(0)); remain(m) },
			ret:  r(-int64(unix.EINVAL)),
			want: `nanosleep({tv_sec=-1, tv_nsec=18446744073709551615}, 0x2000) = -1 EINVAL (Invalid argument)`},
		{name: "nanosleep interrupted shows rem", sys: "nanosleep", args: map[string]uint64{"req": bufA, "rem": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1, 0); remain(m) },
			ret:  r(-erestartBlock),
			want: `nanosleep({tv_sec=1, tv_nsec=0}, {tv_sec=789986, tv_nsec=789987}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)`},
		{name: "clock_nanosleep relative interrupted", sys: "clock_nanosleep",
			args: map[string]uint64{"clockid": unix.CLOCK_REALTIME, "flags": 0, "request": bufA, "remain": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1, 0); remain(m) },
			ret:  r(-erestartBlock),
			want: `clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=1, tv_nsec=0}, {tv_sec=789986, tv_nsec=789987}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)`},
		{name: "clock_nanosleep absolute interrupted", sys: "clock_nanosleep",
			args: map[string]uint64{"clockid": unix.CLOCK_REALTIME, "flags": unix.TIMER_ABSTIME, "request": bufA, "remain": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1796286261, 770660237); remain(m) },
			ret:  r(-erestartNoHand),
			want: `clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=1796286261, tv_nsec=770660237}, 0x2000) = ? ERESTARTNOHAND (To be restarted if no handler)`},
		{name: "timerfd_create flags in strace's order", sys: "timerfd_create",
			args: map[string]uint64{"clockid": unix.CLOCK_MONOTONIC, "flags": unix.TFD_CLOEXEC | unix.TFD_NONBLOCK}, ret: r(0),
			want: `timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC|TFD_NONBLOCK) = 0`},
		{name: "timerfd_settime failed keeps old an address", sys: "timerfd_settime",
			args: map[string]uint64{"fd": 0, "flags": 0, "new_value": bufA, "old_value": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 0xdeadbeef, 0xfacefeed, 0xcafef00ddeadbeef, 0xbadc0dedfacefeed) },
			ret:  r(-int64(unix.EINVAL)),
			want: `timerfd_settime(0, 0, {it_interval={tv_sec=3735928559, tv_nsec=4207869677}, it_value={tv_sec=-3819351491602432273, tv_nsec=13464652301697220333}}, 0x2000) = -1 EINVAL (Invalid argument)`},
		{name: "timerfd_settime old value", sys: "timerfd_settime",
			args: map[string]uint64{"fd": 0, "flags": 0, "new_value": bufA, "old_value": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1, 2, 3, 4); m.words(bufB, 0, 0, 0, 0) },
			ret:  r(0),
			want: `timerfd_settime(0, 0, {it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=3, tv_nsec=4}}, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=0}}) = 0`},
		{name: "timerfd_gettime unreadable", sys: "timerfd_gettime", args: map[string]uint64{"fd": 0, "curr_value": bufC}, ret: r(0),
			want: `timerfd_gettime(0, 0x3000) = 0`},
	})
}

// Expected lines are strace 6.1's for the same calls (a C program under
// /usr/bin/strace on x86_64).
func TestTimevals(t *testing.T) {
	runCases(t, []tcase{
		{name: "setitimer", sys: "setitimer", args: map[string]uint64{"which": unix.ITIMER_REAL, "new_value": bufA, "old_value": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1, 2, 3, 4); m.words(bufB, 0, 0, 0, 0) },
			ret:  r(0),
			want: `setitimer(ITIMER_REAL, {it_interval={tv_sec=1, tv_usec=2}, it_value={tv_sec=3, tv_usec=4}}, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}) = 0`},
		{name: "setitimer NULL", sys: "setitimer", args: map[string]uint64{"which": unix.ITIMER_REAL, "new_value": 0, "old_value": 0}, ret: r(0),
			want: `setitimer(ITIMER_REAL, NULL, NULL) = 0`},
		{name: "getitimer unknown which", sys: "getitimer", args: map[string]uint64{"which": 5, "curr_value": bufA}, ret: r(-int64(unix.EINVAL)),
			want: `getitimer(0x5 /* ITIMER_??? */, 0x1000) = -1 EINVAL (Invalid argument)`},
		{name: "gettimeofday", sys: "gettimeofday", args: map[string]uint64{"tv": bufA, "tz": bufB},
			mem:  func(m *fakeMem) { m.words(bufA, 1796288187, 223600); m.int32s(bufB, -60, 0) },
			ret:  r(0),
			want: `gettimeofday({tv_sec=1796288187, tv_usec=223600}, {tz_minuteswest=-60, tz_dsttime=0}) = 0`},
		{name: "gettimeofday no tz", sys: "gettimeofday", args: map[string]uint64{"tv": bufA, "tz": 0},
			mem: func(m *fakeMem) { m.words(bufA, 5, 6) }, ret: r(0),
			want: `gettimeofday({tv_sec=5, tv_usec=6}, NULL) = 0`},
		{name: "sched_getparam", sys: "sched_getparam", args: map[string]uint64{"pid": 0, "param": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 0) }, ret: r(0),
			want: `sched_getparam(0, [0]) = 0`},
		{name: "sched_setscheduler", sys: "sched_setscheduler", args: map[string]uint64{"pid": 0, "policy": unix.SCHED_FIFO, "param": bufA},
			mem: func(m *fakeMem) { m.int32s(bufA, 10) }, ret: r(0),
			want: `sched_setscheduler(0, SCHED_FIFO, [10]) = 0`},
	})
}
