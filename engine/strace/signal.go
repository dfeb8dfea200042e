package strace

import (
	"encoding/binary"
	"strconv"
	"syscall"
	"time"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"golang.org/x/sys/unix"
)

// signal writes strace's "--- SIGxxx {si_signo=...} ---" line for a
// signal-delivery stop.
func (t *tracer) signal(tid, pid int, sig syscall.Signal, info []byte) {
	if !t.execed || t.o.Count || t.o.JSON {
		return
	}
	if t.o.Signals != nil && !t.o.Signals[int(sig)] {
		return
	}
	t.live[tid] = true
	b := t.prefix(t.buf[:0], tid, time.Now(), 0, false)
	b = append(b, "--- "...)
	b = append(b, signame(int(sig))...)
	b = append(b, ' ')
	if info == nil {
		b = append(b, "{si_signo="...)
		b = append(b, signame(int(sig))...)
		b = append(b, '}')
	} else {
		b = appendSiginfo(b, info)
	}
	b = append(b, " ---\n"...)
	t.out(tid).Write(b)
	t.buf = b
	if t.flush {
		t.w.Flush()
	}
}

func signame(n int) string {
	if n > 32 && n <= 64 {
		return "SIGRT_" + strconv.Itoa(n-32)
	}
	s := engine.SignalName(syscall.Signal(n))
	if s == "SIGIOT" {
		return "SIGABRT"
	}
	return s
}

var siCodes = map[int32]string{
	0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ",
	-4: "SI_ASYNCIO", -5: "SI_SIGIO", -6: "SI_TKILL", -7: "SI_DETHREAD", -60: "SI_ASYNCNL",
}

var faultCodes = map[int]map[int32]string{
	int(unix.SIGSEGV): {1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR"},
	int(unix.SIGBUS):  {1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR", 4: "BUS_MCEERR_AR", 5: "BUS_MCEERR_AO"},
	int(unix.SIGILL):  {1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP", 5: "ILL_PRVOPC", 6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK"},
	int(unix.SIGFPE):  {1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF", 5: "FPE_FLTUND", 6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB"},
	int(unix.SIGTRAP): {1: "TRAP_BRKPT", 2: "TRAP_TRACE", 3: "TRAP_BRANCH", 4: "TRAP_HWBKPT"},
	int(unix.SIGCHLD): {1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED"},
	int(unix.SIGIO):   {1: "POLL_IN", 2: "POLL_OUT", 3: "POLL_MSG", 4: "POLL_ERR", 5: "POLL_PRI", 6: "POLL_HUP"},
	int(unix.SIGSYS):  {1: "SYS_SECCOMP"},
}

func appendPtr(b []byte, v uint64) []byte {
	if v == 0 {
		return append(b, "NULL"...)
	}
	b = append(b, "0x"...)
	return strconv.AppendUint(b, v, 16)
}

// appendSiginfo formats a siginfo_t (64-bit layout) as strace does.
func appendSiginfo(b []byte, info []byte) []byte {
	le := binary.LittleEndian
	signo := int(int32(le.Uint32(info[0:])))
	errno := int32(le.Uint32(info[4:]))
	code := int32(le.Uint32(info[8:]))
	i32 := func(off int) int32 { return int32(le.Uint32(info[off:])) }
	u64 := func(off int) uint64 { return le.Uint64(info[off:]) }
	b = append(b, "{si_signo="...)
	b = append(b, signame(signo)...)
	b = append(b, ", si_code="...)
	name, known := "", false
	if code > 0 && code != 0x80 {
		name, known = faultCodes[signo][code]
	} else {
		name, known = siCodes[code]
	}
	if known {
		b = append(b, name...)
	} else {
		b = strconv.AppendInt(b, int64(code), 10)
	}
	if errno != 0 {
		b = append(b, ", si_errno="...)
		b = strconv.AppendInt(b, int64(errno), 10)
	}
	pidUID := func() {
		b = append(b, ", si_pid="...)
		b = strconv.AppendInt(b, int64(i32(16)), 10)
		b = append(b, ", si_uid="...)
		b = strconv.AppendUint(b, uint64(uint32(i32(20))), 10)
	}
	sigval := func() {
		b = append(b, ", si_int="...)
		b = strconv.AppendInt(b, int64(i32(24)), 10)
		b = append(b, ", si_ptr="...)
		b = appendPtr(b, u64(24))
	}
	switch {
	case code == 0 || code == -6: // SI_USER, SI_TKILL
		pidUID()
	case code == -1 || code == -3: // SI_QUEUE, SI_MESGQ
		pidUID()
		sigval()
	case code == -2: // SI_TIMER
		b = append(b, ", si_timerid="...)
		b = appendPtr(b, uint64(uint32(i32(16))))
		b = append(b, ", si_overrun="...)
		b = strconv.AppendInt(b, int64(i32(20)), 10)
		sigval()
	case code == 0x80 || code < 0:
		// SI_KERNEL and the rest: no fields
	case signo == int(unix.SIGCHLD):
		pidUID()
		b = append(b, ", si_status="...)
		st := i32(24)
		if code == 1 { // CLD_EXITED
			b = strconv.AppendInt(b, int64(st), 10)
		} else {
			b = append(b, signame(int(st))...)
		}
		b = append(b, ", si_utime="...)
		b = strconv.AppendInt(b, int64(u64(32)), 10)
		b = append(b, ", si_stime="...)
		b = strconv.AppendInt(b, int64(u64(40)), 10)
	case signo == int(unix.SIGSEGV) || signo == int(unix.SIGBUS) || signo == int(unix.SIGILL) ||
		signo == int(unix.SIGFPE) || signo == int(unix.SIGTRAP):
		b = append(b, ", si_addr="...)
		b = appendPtr(b, u64(16))
	case signo == int(unix.SIGIO):
		b = append(b, ", si_band="...)
		b = strconv.AppendInt(b, int64(u64(16)), 10)
		b = append(b, ", si_fd="...)
		b = strconv.AppendInt(b, int64(i32(24)), 10)
	case signo == int(unix.SIGSYS):
		b = append(b, ", si_call_addr="...)
		b = appendPtr(b, u64(16))
		b = append(b, ", si_syscall="...)
		b = strconv.AppendInt(b, int64(i32(24)), 10)
		b = append(b, ", si_arch="...)
		b = strconv.AppendUint(b, uint64(uint32(i32(28))), 10)
	}
	return append(b, '}')
}
