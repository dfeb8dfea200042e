package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's (its so_linger test and print_getsockopt
// and print_setsockopt for the other cases).
func TestSockoptValues(t *testing.T) {
	get := func(name, optval, optlen uint64) map[string]uint64 {
		return map[string]uint64{"sockfd": 3, "level": unix.SOL_SOCKET, "optname": name, "optval": optval, "optlen": optlen}
	}
	set := func(name, optval, optlen uint64) map[string]uint64 {
		return map[string]uint64{"sockfd": 3, "level": unix.SOL_SOCKET, "optname": name, "optval": optval, "optlen": optlen}
	}
	linger := func(m *fakeMem) { m.int32s(bufA, 1, -1752346657) }
	runCases(t, []tcase{
		{name: "get linger", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { m.int32s(bufA, 0, 0); m.int32s(bufB, 8) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=0, l_linger=0}, [8]) = 0`},
		{name: "get linger cut in l_onoff", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { linger(m); m.int32s(bufB, 3) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff="\x01\x00\x00"}, [3]) = 0`},
		{name: "get linger one field", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { linger(m); m.int32s(bufB, 4) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1}, [4]) = 0`},
		{name: "get linger cut in l_linger", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { linger(m); m.int32s(bufB, 7) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger="\xdf\x4f\x8d"}, [7]) = 0`},
		{name: "get linger length 0", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { linger(m); m.int32s(bufB, 0) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, 0x1000, [0]) = 0`},
		{name: "get failed", sys: "getsockopt", args: get(unix.SO_LINGER, bufA, bufB),
			mem: func(m *fakeMem) { m.int32s(bufB, 8) }, ret: r(-int64(unix.EFAULT)),
			want: `getsockopt(3, SOL_SOCKET, SO_LINGER, 0x1000, [8]) = -1 EFAULT (Bad address)`},
		{name: "get SO_ERROR", sys: "getsockopt", args: get(unix.SO_ERROR, bufA, bufB),
			mem: func(m *fakeMem) { m.int32s(bufA, int32(unix.ECONNREFUSED)); m.int32s(bufB, 4) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0`},
		{name: "get SO_PEERCRED", sys: "getsockopt", args: get(unix.SO_PEERCRED, bufA, bufB),
			mem: func(m *fakeMem) { m.int32s(bufA, 42, 1000, -1); m.int32s(bufB, 12) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=42, uid=1000, gid=-1}, [12]) = 0`},
		{name: "get int-like option short", sys: "getsockopt", args: get(unix.SO_RCVBUF, bufA, bufB),
			mem: func(m *fakeMem) { m.int32s(bufA, 0x102); m.int32s(bufB, 2) }, ret: r(0),
			want: `getsockopt(3, SOL_SOCKET, SO_RCVBUF, "\x02\x01", [2]) = 0`},
		{name: "set linger", sys: "setsockopt", args: set(unix.SO_LINGER, bufA, 9),
			mem: func(m *fakeMem) { m.int32s(bufA, -15, -42) }, ret: r(0),
			want: `setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=-15, l_linger=-42}, 9) = 0`},
		{name: "set linger short", sys: "setsockopt", args: set(unix.SO_LINGER, bufA, 4),
			mem: func(m *fakeMem) { m.int32s(bufA, -15, -42) }, ret: r(-int64(unix.EINVAL)),
			want: `setsockopt(3, SOL_SOCKET, SO_LINGER, 0x1000, 4) = -1 EINVAL (Invalid argument)`},
		{name: "set linger negative length", sys: "setsockopt", args: set(unix.SO_LINGER, bufA, 0xffffffff),
			mem: func(m *fakeMem) { m.int32s(bufA, -15, -42) }, ret: r(-int64(unix.EINVAL)),
			want: `setsockopt(3, SOL_SOCKET, SO_LINGER, 0x1000, -1) = -1 EINVAL (Invalid argument)`},
		{name: "set int-like short is an address", sys: "setsockopt", args: set(unix.SO_REUSEADDR, bufA, 2),
			mem: func(m *fakeMem) { m.int32s(bufA, 1) }, ret: r(-int64(unix.EINVAL)),
			want: `setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 0x1000, 2) = -1 EINVAL (Invalid argument)`},
		{name: "set int-like long reads an int", sys: "setsockopt", args: set(unix.SO_REUSEADDR, bufA, 8),
			mem: func(m *fakeMem) { m.int32s(bufA, 1, 2) }, ret: r(0),
			want: `setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 8) = 0`},
	})
}
