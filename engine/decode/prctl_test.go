package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Expected lines are strace 6.1's (its prctl-no-args and prctl-name tests,
// and SYS_FUNC(prctl) for the other options).
func TestPrctl(t *testing.T) {
	pr := func(opt uint64, a2, a3, a4, a5 uint64) map[string]uint64 {
		return map[string]uint64{"option": opt, "arg2": a2, "arg3": a3, "arg4": a4, "arg5": a5}
	}
	const junk = 0xfacefeeddeadbeef
	runCases(t, []tcase{
		{name: "unknown option: everything in hex", sys: "prctl", args: pr(0xffffffff, 0xfffffffe, 0xfffffffd, 0xfffffffc, 0xfffffffb),
			ret:  r(-int64(unix.EINVAL)),
			want: `prctl(0xffffffff /* PR_??? */, 0xfffffffe, 0xfffffffd, 0xfffffffc, 0xfffffffb) = -1 EINVAL (Invalid argument)`},
		{name: "no arguments", sys: "prctl", args: pr(unix.PR_GET_KEEPCAPS, junk, 1, 2, 3), ret: r(0),
			want: `prctl(PR_GET_KEEPCAPS) = 0`},
		{name: "option with junk above 32 bits", sys: "prctl", args: pr(0xbadc0ded_00000000|unix.PR_GET_TIMERSLACK, junk, 0, 0, 0), ret: r(50000),
			want: `prctl(PR_GET_TIMERSLACK) = 50000`},
		{name: "SET_NAME NULL", sys: "prctl", args: pr(unix.PR_SET_NAME, 0, 0xfffffffd, 0, 0), ret: r(-int64(unix.EFAULT)),
			want: `prctl(PR_SET_NAME, NULL) = -1 EFAULT (Bad address)`},
		{name: "SET_NAME short", sys: "prctl", args: pr(unix.PR_SET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.str(bufA, "9abcdef") }, ret: r(0),
			want: `prctl(PR_SET_NAME, "9abcdef") = 0`},
		{name: "SET_NAME 14 bytes", sys: "prctl", args: pr(unix.PR_SET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.str(bufA, "23456789abcdef") }, ret: r(0),
			want: `prctl(PR_SET_NAME, "23456789abcdef") = 0`},
		{name: "SET_NAME 15 bytes is cut", sys: "prctl", args: pr(unix.PR_SET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.str(bufA, "123456789abcdef") }, ret: r(0),
			want: `prctl(PR_SET_NAME, "123456789abcdef"...) = 0`},
		{name: "SET_NAME unterminated before the end of memory", sys: "prctl", args: pr(unix.PR_SET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.put(bufA, []byte("abcdef")) }, ret: r(-int64(unix.EFAULT)),
			want: `prctl(PR_SET_NAME, 0x1000) = -1 EFAULT (Bad address)`},
		{name: "SET_NAME exactly 15 readable bytes", sys: "prctl", args: pr(unix.PR_SET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.put(bufA, []byte("0123456789abcde")) }, ret: r(0),
			want: `prctl(PR_SET_NAME, "0123456789abcde"...) = 0`},
		{name: "GET_NAME", sys: "prctl", args: pr(unix.PR_GET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.str(bufA, "0123456789abcde") }, ret: r(0),
			want: `prctl(PR_GET_NAME, "0123456789abcde") = 0`},
		{name: "GET_NAME failed", sys: "prctl", args: pr(unix.PR_GET_NAME, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.str(bufA, "x") }, ret: r(-int64(unix.EFAULT)),
			want: `prctl(PR_GET_NAME, 0x1000) = -1 EFAULT (Bad address)`},
		{name: "SET_VMA anon name", sys: "prctl", args: pr(unix.PR_SET_VMA, unix.PR_SET_VMA_ANON_NAME, bufB, 4096, bufA),
			mem: func(m *fakeMem) { m.str(bufA, "heap") }, ret: r(0),
			want: `prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x2000, 4096, "heap") = 0`},
		{name: "SET_VMA unknown sub-option", sys: "prctl", args: pr(unix.PR_SET_VMA, 7, 1, 2, 3), ret: r(-int64(unix.EINVAL)),
			want: `prctl(PR_SET_VMA, 0x7 /* PR_SET_VMA_??? */, 0x1, 0x2, 0x3) = -1 EINVAL (Invalid argument)`},
		{name: "GET_PDEATHSIG", sys: "prctl", args: pr(unix.PR_GET_PDEATHSIG, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.int32s(bufA, int32(unix.SIGTERM)) }, ret: r(0),
			want: `prctl(PR_GET_PDEATHSIG, [SIGTERM]) = 0`},
		{name: "SET_PDEATHSIG", sys: "prctl", args: pr(unix.PR_SET_PDEATHSIG, uint64(unix.SIGKILL), 0, 0, 0), ret: r(0),
			want: `prctl(PR_SET_PDEATHSIG, SIGKILL) = 0`},
		{name: "GET_DUMPABLE", sys: "prctl", args: pr(unix.PR_GET_DUMPABLE, 0, 0, 0, 0), ret: r(1),
			want: `prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`},
		{name: "SET_NO_NEW_PRIVS", sys: "prctl", args: pr(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ret: r(0),
			want: `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0`},
		{name: "GET_SECUREBITS", sys: "prctl", args: pr(unix.PR_GET_SECUREBITS, 0, 0, 0, 0), ret: r(0x11),
			want: `prctl(PR_GET_SECUREBITS) = 0x11 (SECBIT_NOROOT|SECBIT_KEEP_CAPS)`},
		{name: "GET_SECUREBITS 0", sys: "prctl", args: pr(unix.PR_GET_SECUREBITS, 0, 0, 0, 0), ret: r(0),
			want: `prctl(PR_GET_SECUREBITS) = 0`},
		{name: "CAPBSET_READ", sys: "prctl", args: pr(unix.PR_CAPBSET_READ, unix.CAP_SYS_ADMIN, 0, 0, 0), ret: r(1),
			want: `prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) = 1`},
		{name: "SET_PTRACER any", sys: "prctl", args: pr(unix.PR_SET_PTRACER, 0xffffffff, 0, 0, 0), ret: r(0),
			want: `prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY) = 0`},
		{name: "SET_SECCOMP strict", sys: "prctl", args: pr(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_STRICT, 0, 0, 0), ret: r(0),
			want: `prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) = 0`},
		{name: "GET_TID_ADDRESS", sys: "prctl", args: pr(unix.PR_GET_TID_ADDRESS, bufA, 0, 0, 0),
			mem: func(m *fakeMem) { m.words(bufA, 0x7f0012345678) }, ret: r(0),
			want: `prctl(PR_GET_TID_ADDRESS, [0x7f0012345678]) = 0`},
		{name: "GET_SPECULATION_CTRL", sys: "prctl", args: pr(unix.PR_GET_SPECULATION_CTRL, unix.PR_SPEC_STORE_BYPASS, 0, 0, 0), ret: r(0x9),
			want: `prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS) = 0x9 (PR_SPEC_PRCTL|PR_SPEC_FORCE_DISABLE)`},
	})
}

func TestPrctlDefaults(t *testing.T) {
	pr := func(opt uint64, a2 uint64) map[string]uint64 {
		return map[string]uint64{"option": opt, "arg2": a2, "arg3": 0, "arg4": 0, "arg5": 0}
	}
	runCases(t, []tcase{
		{name: "SET_UNALIGN unknown bits", sys: "prctl", args: pr(unix.PR_SET_UNALIGN, 8), ret: r(-int64(unix.EINVAL)),
			want: `prctl(PR_SET_UNALIGN, 0x8 /* PR_UNALIGN_??? */) = -1 EINVAL (Invalid argument)`},
		{name: "SET_UNALIGN known and unknown", sys: "prctl", args: pr(unix.PR_SET_UNALIGN, 9), ret: r(-int64(unix.EINVAL)),
			want: `prctl(PR_SET_UNALIGN, PR_UNALIGN_NOPRINT|0x8) = -1 EINVAL (Invalid argument)`},
		{name: "SET_TSC unknown", sys: "prctl", args: pr(unix.PR_SET_TSC, 0xffffffff_00000003), ret: r(-int64(unix.EINVAL)),
			want: `prctl(PR_SET_TSC, 0x3 /* PR_TSC_??? */) = -1 EINVAL (Invalid argument)`},
		{name: "SET_DUMPABLE unknown is 64-bit", sys: "prctl", args: pr(unix.PR_SET_DUMPABLE, 0x1_00000001), ret: r(-int64(unix.EINVAL)),
			want: `prctl(PR_SET_DUMPABLE, 0x100000001 /* SUID_DUMP_??? */) = -1 EINVAL (Invalid argument)`},
	})
}
