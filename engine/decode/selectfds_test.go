package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's (its select test).
func TestSelect(t *testing.T) {
	sel := func(nfds, rs, ws, es, tv uint64) map[string]uint64 {
		return map[string]uint64{"nfds": nfds, "readfds": rs, "writefds": ws, "exceptfds": es, "timeout": tv}
	}
	const junk = 0xbadc0ded_00000000
	runCases(t, []tcase{
		{name: "timeout only", sys: "select", args: sel(0, 0, 0, 0, bufD),
			mem: func(m *fakeMem) { m.words(bufD, 0, 123) }, ret: r(0),
			want: `select(0, NULL, NULL, NULL, {tv_sec=0, tv_usec=123}) = 0 (Timeout)`},
		{name: "unreadable timeout", sys: "select", args: sel(0, 0, 0, 0, bufD+1), ret: r(-int64(unix.EFAULT)),
			want: `select(0, NULL, NULL, NULL, 0x4001) = -1 EFAULT (Bad address)`},
		{name: "one set three times, nfds with junk", sys: "select", args: sel(junk|5, bufA, bufA, bufA, 0),
			mem: func(m *fakeMem) { m.words(bufA, 1<<3|1<<4) }, ret: r(1),
			want: `select(5, [3 4], [3 4], [3 4], NULL) = 1 (in [3])`},
		{name: "bits at and above nfds are not shown", sys: "select", args: sel(4, bufA, 0, 0, 0),
			mem:  func(m *fakeMem) { m.words(bufA, 1<<3|1<<4) },
			want: `select(4, [3], NULL, NULL, NULL)`},
		{name: "ready sets and time left", sys: "select", args: sel(5, bufA, bufB, bufC, bufD),
			mem: func(m *fakeMem) {
				m.words(bufA, 0)
				m.words(bufB, 1<<1|1<<2|1<<4)
				m.words(bufC, 0)
				m.words(bufD, 789985, 789984)
			}, ret: r(3),
			want: `select(5, [], [1 2 4], [], {tv_sec=789985, tv_usec=789984}) = 3 (out [1 2 4], left {tv_sec=789985, tv_usec=789984})`},
		{name: "an empty set after a full one still closes a bracket", sys: "select", args: sel(5, bufA, bufB, 0, 0),
			mem: func(m *fakeMem) { m.words(bufA, 1<<3); m.words(bufB, 0) }, ret: r(2),
			want: `select(5, [3], [], NULL, NULL) = 2 (in [3]])`},
		{name: "negative nfds reads nothing", sys: "select", args: sel(0xffffffff, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.words(bufA, 1) }, ret: r(-int64(unix.EINVAL)),
			want: `select(-1, 0x1000, NULL, NULL, NULL) = -1 EINVAL (Invalid argument)`},
		{name: "unreadable set", sys: "select", args: sel(65, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.words(bufA, 1) }, ret: r(-int64(unix.EFAULT)),
			want: `select(65, 0x1000, NULL, NULL, NULL) = -1 EFAULT (Bad address)`},
		{name: "pselect6 time left is a timespec", sys: "pselect6",
			args: map[string]uint64{"nfds": 2, "readfds": bufA, "writefds": 0, "exceptfds": 0, "timeout": bufD, "sigmask": 0},
			mem:  func(m *fakeMem) { m.words(bufA, 1); m.words(bufD, 1, 5) }, ret: r(1),
			want: `pselect6(2, [0], NULL, NULL, {tv_sec=1, tv_nsec=5}, NULL) = 1 (in [0], left {tv_sec=1, tv_nsec=5})`},
		{name: "pselect6 sigmask", sys: "pselect6",
			args: map[string]uint64{"nfds": 0, "readfds": 0, "writefds": 0, "exceptfds": 0, "timeout": 0, "sigmask": bufA},
			mem:  func(m *fakeMem) { m.words(bufA, bufB, 8); m.words(bufB, 1<<(unix.SIGUSR1-1)) }, ret: r(0),
			want: `pselect6(0, NULL, NULL, NULL, NULL, {sigmask=[USR1], sigsetsize=8}) = 0 (Timeout)`},
		{name: "pselect6 sigmask of a wrong size", sys: "pselect6",
			args: map[string]uint64{"nfds": 0, "readfds": 0, "writefds": 0, "exceptfds": 0, "timeout": 0, "sigmask": bufA},
			mem:  func(m *fakeMem) { m.words(bufA, bufB, 4); m.words(bufB, 0) }, ret: r(-int64(unix.EINVAL)),
			want: `pselect6(0, NULL, NULL, NULL, NULL, {sigmask=0x2000, sigsetsize=4}) = -1 EINVAL (Invalid argument)`},
		{name: "pselect6 NULL sigset", sys: "pselect6",
			args: map[string]uint64{"nfds": 0, "readfds": 0, "writefds": 0, "exceptfds": 0, "timeout": 0, "sigmask": bufA},
			mem:  func(m *fakeMem) { m.words(bufA, 0, 8) }, ret: r(0),
			want: `pselect6(0, NULL, NULL, NULL, NULL, {sigmask=NULL, sigsetsize=8}) = 0 (Timeout)`},
	})
}
