package decode

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// prctl prints as strace 6.1's SYS_FUNC(prctl): the option decides which
// of the four other arguments are shown and how. Not decoded as strace
// does (their arguments print in hex): PR_SVE_*, PR_SME_*, PR_PAC_*,
// PR_{SET,GET}_TAGGED_ADDR_CTRL, PR_SET_SYSCALL_USER_DISPATCH,
// PR_SCHED_CORE, and PR_SET_SECCOMP's filter program (its address).

func init() { fixups["prctl"] = fixPrctl }

// taskCommLen is the kernel's TASK_COMM_LEN, NUL included.
const taskCommLen = 16

// cStringN is strace's printstr_ex(addr, n, QUOTE_0_TERMINATED): at most n
// bytes (and at most -s), "..." when no NUL ends what is shown.
func cStringN(s *state, addr, n uint64) (string, any, bool) {
	if addr == 0 {
		return "NULL", nil, true
	}
	limit := uint64(s.o.strSize())
	size := min(limit+1, n)
	str, truncated, err := s.mem.ReadString(addr, int(size))
	if err != nil || uint64(len(str)) > size || (truncated && uint64(len(str)) < size) {
		return "", nil, false
	}
	show := min(size, limit)
	if !truncated && uint64(len(str)) <= show {
		return quote([]byte(str), quoteStyle{}), str, true
	}
	str = str[:min(uint64(len(str)), show)]
	if n == 0 {
		return quote([]byte(str), quoteStyle{}), str, true
	}
	return quote([]byte(str), quoteStyle{}) + "...", str, true
}

// enum64Text is printxval64: the whole register must match, and an
// unknown value prints in full, not cut to 32 bits.
// dflt is strace's default string for the set ("PR_SET_VMA_???"), which
// a prefix guess from the names could get wrong.
func enum64Text(t *set, v uint64, dflt string) string {
	for _, e := range t.entries {
		if e.value == v {
			return e.name
		}
	}
	return hexText(v) + " /* " + dflt + " */"
}

// enum32Text is printxval: the low 32 bits, then as enum64Text.
func enum32Text(t *set, v uint64, dflt string) string {
	return enum64Text(t, uint64(uint32(v)), dflt)
}

// flagsDfltText is printflags with strace's default string for the set.
func flagsDfltText(t *set, v uint64, dflt string) string {
	if text := auxFlagsText(t, v); text != "" {
		return text
	}
	if v == 0 {
		return "0"
	}
	return hexText(v) + " /* " + dflt + " */"
}

// auxFlagsText is sprintflags_ex in SPFF_AUXSTR_MODE (the note after a
// return value): "" when no name matches.
func auxFlagsText(t *set, v uint64) string {
	if v == 0 {
		for _, e := range t.entries {
			if e.value == 0 {
				return e.name
			}
		}
		return ""
	}
	text := ""
	rest := v
	for _, e := range t.entries {
		if e.value != 0 && rest&e.value == e.value {
			if text != "" {
				text += "|"
			}
			text += e.name
			rest &^= e.value
		}
	}
	if text != "" && rest != 0 {
		text += "|" + hexText(rest)
	}
	return text
}

func fixPrctl(s *state) {
	args := s.c.Args
	if len(args) != 5 {
		return
	}
	raw := s.c.Raw
	opt := uint32(raw[0])
	// show hides every argument from the n-th (1-based) on.
	show := func(n int) {
		for j := 1; j < 5; j++ {
			args[j].Hidden = j >= n
		}
	}
	setText := func(j int, text string, v any) { args[j].Text, args[j].Value = text, v }
	hexFrom := func(j int) { // print_prctl_args: the rest in hex, as they are
		for ; j < 5; j++ {
			setText(j, hexText(raw[j]), raw[j])
		}
	}
	unsignedArg := func(j int) { setText(j, strconv.FormatUint(raw[j], 10), raw[j]) }
	// out is an argument the kernel stores into: its address until a
	// successful exit, then fill's text.
	out := func(j int, fill func(addr uint64) (string, any, bool)) {
		setText(j, ptrText(raw[j]), raw[j])
		s.c.exitFns = append(s.c.exitFns, func(s *state) {
			if s.failed() || raw[j] == 0 {
				return
			}
			if text, v, ok := fill(raw[j]); ok {
				setText(j, text, v)
			}
		})
	}
	intOut := func(text func(v uint32) string) func(addr uint64) (string, any, bool) {
		return func(addr uint64) (string, any, bool) {
			v, ok := readInt32(s, addr)
			if !ok {
				return "", nil, false
			}
			return "[" + text(uint32(v)) + "]", uint64(uint32(v)), true
		}
	}
	// note sets the annotation after the return value at exit; hex
	// prints the value in hex (RVAL_HEX), and a 0 then gets no note.
	note := func(hex, zeroNote bool, text func(ret uint64) string) {
		s.c.exitFns = append(s.c.exitFns, func(s *state) {
			if s.failed() || (s.c.Ret == 0 && !zeroNote) {
				return
			}
			if hex {
				s.c.retKind = kindHex
			}
			if t := text(uint64(s.c.Ret)); t != "" {
				s.c.retNote = " (" + t + ")"
			}
		})
	}
	lookup := func(t *set) func(uint64) string {
		return func(v uint64) string { n, _ := t.lookup(v); return n }
	}
	auxFlags := func(t *set) func(uint64) string {
		return func(v uint64) string { return auxFlagsText(t, v) }
	}

	switch opt {
	case unix.PR_GET_KEEPCAPS, unix.PR_GET_SECCOMP, unix.PR_GET_TIMERSLACK, unix.PR_GET_TIMING,
		unix.PR_TASK_PERF_EVENTS_DISABLE, unix.PR_TASK_PERF_EVENTS_ENABLE:
		show(1)
	case unix.PR_GET_CHILD_SUBREAPER, unix.PR_GET_ENDIAN, unix.PR_GET_FPEMU, unix.PR_GET_FPEXC:
		show(2)
		out(1, intOut(func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }))
	case unix.PR_GET_DUMPABLE:
		show(1)
		note(false, true, lookup(setPrDumpable))
	case unix.PR_GET_NAME:
		show(2)
		out(1, func(addr uint64) (string, any, bool) { return cStringN(s, addr, taskCommLen) })
	case unix.PR_GET_PDEATHSIG:
		show(2)
		out(1, intOut(func(v uint32) string { return signalText(int64(int32(v))) }))
	case unix.PR_GET_SECUREBITS:
		show(1)
		note(true, false, auxFlags(setSecbits))
	case unix.PR_GET_TID_ADDRESS:
		show(2)
		out(1, func(addr uint64) (string, any, bool) {
			w, ok := readWords(s, addr, 1)
			if !ok {
				return "", nil, false
			}
			return "[" + ptrText(w[0]) + "]", w[0], true
		})
	case unix.PR_GET_TSC:
		show(2)
		out(1, intOut(func(v uint32) string { return enum32Text(setPrTsc, uint64(v), "PR_TSC_???") }))
	case unix.PR_GET_UNALIGN:
		show(2)
		out(1, intOut(func(v uint32) string { return flagsDfltText(setPrUnalignFlags, uint64(v), "PR_UNALIGN_???") }))
	case unix.PR_GET_FP_MODE:
		show(1)
		note(true, false, auxFlags(setPrFpMode))
	case unix.PR_GET_SPECULATION_CTRL:
		show(2)
		setText(1, enum64Text(setPrSpecCmds, raw[1], "PR_SPEC_???"), raw[1])
		switch raw[1] {
		case unix.PR_SPEC_STORE_BYPASS, unix.PR_SPEC_INDIRECT_BRANCH, unix.PR_SPEC_L1D_FLUSH:
			note(true, true, auxFlags(setPrSpecGetFlags))
		}
	case unix.PR_SET_CHILD_SUBREAPER, unix.PR_SET_ENDIAN, unix.PR_SET_FPEMU, unix.PR_SET_FPEXC,
		unix.PR_SET_KEEPCAPS, unix.PR_SET_TIMING:
		show(2)
		unsignedArg(1)
	case unix.PR_SET_DUMPABLE:
		show(2)
		setText(1, enum64Text(setPrDumpable, raw[1], "SUID_DUMP_???"), raw[1])
	case unix.PR_CAPBSET_DROP, unix.PR_CAPBSET_READ:
		show(2)
		setText(1, enum64Text(setCaps, raw[1], "CAP_???"), raw[1])
	case unix.PR_CAP_AMBIENT:
		setText(1, enum64Text(setPrCapAmbient, raw[1], "PR_CAP_AMBIENT_???"), raw[1])
		switch raw[1] {
		case unix.PR_CAP_AMBIENT_RAISE, unix.PR_CAP_AMBIENT_LOWER, unix.PR_CAP_AMBIENT_IS_SET:
			setText(2, enum64Text(setCaps, raw[2], "CAP_???"), raw[2])
			hexFrom(3)
		default:
			hexFrom(2)
		}
		show(5)
	case unix.PR_MCE_KILL:
		setText(1, enum64Text(setPrMceKill, raw[1], "PR_MCE_KILL_???"), raw[1])
		if raw[1] == unix.PR_MCE_KILL_SET {
			setText(2, enum64Text(setPrMceKillPolicy, raw[2], "PR_MCE_KILL_???"), raw[2])
		} else {
			setText(2, hexText(raw[2]), raw[2])
		}
		hexFrom(3)
		show(5)
	case unix.PR_SET_NAME:
		show(2)
		text, v, ok := cStringN(s, raw[1], taskCommLen-1)
		if !ok {
			text, v = ptrText(raw[1]), raw[1]
		}
		setText(1, text, v)
	case unix.PR_SET_VMA:
		show(5)
		setText(1, enum64Text(setPrSetVma, raw[1], "PR_SET_VMA_???"), raw[1])
		if raw[1] == unix.PR_SET_VMA_ANON_NAME {
			setText(2, ptrText(raw[2]), raw[2])
			unsignedArg(3)
			text, v := strText(s, raw[4])
			setText(4, text, v)
		} else {
			hexFrom(2)
		}
	case unix.PR_SET_MM:
		show(5)
		setText(1, enum32Text(setPrSetMm, raw[1], "PR_SET_MM_???"), uint64(uint32(raw[1])))
		hexFrom(2)
	case unix.PR_SET_PDEATHSIG:
		show(2)
		if raw[1] > 128 {
			unsignedArg(1)
		} else {
			setText(1, signalText(int64(raw[1])), raw[1])
		}
	case unix.PR_SET_PTRACER:
		show(2)
		if int32(raw[1]) == -1 {
			setText(1, "PR_SET_PTRACER_ANY", int64(-1))
		} else {
			setText(1, strconv.FormatInt(int64(int32(raw[1])), 10), int64(int32(raw[1])))
		}
	case unix.PR_SET_SECCOMP:
		setText(1, enum64Text(setSeccompMode, raw[1], "SECCOMP_MODE_???"), raw[1])
		switch raw[1] {
		case unix.SECCOMP_MODE_STRICT:
			show(2)
		case unix.SECCOMP_MODE_FILTER:
			show(3)
			setText(2, ptrText(raw[2]), raw[2])
		default:
			show(5)
			hexFrom(2)
		}
	case unix.PR_SET_SECUREBITS:
		show(2)
		setText(1, flagsDfltText(setSecbits, raw[1], "SECBIT_???"), raw[1])
	case unix.PR_SET_TIMERSLACK:
		show(2)
		setText(1, strconv.FormatInt(int64(raw[1]), 10), int64(raw[1]))
	case unix.PR_SET_TSC:
		show(2)
		setText(1, enum32Text(setPrTsc, raw[1], "PR_TSC_???"), uint64(uint32(raw[1])))
	case unix.PR_SET_UNALIGN:
		show(2)
		setText(1, flagsDfltText(setPrUnalignFlags, uint64(uint32(raw[1])), "PR_UNALIGN_???"), uint64(uint32(raw[1])))
	case unix.PR_SET_NO_NEW_PRIVS, unix.PR_SET_THP_DISABLE, unix.PR_SET_IO_FLUSHER:
		show(5)
		unsignedArg(1)
		hexFrom(2)
	case unix.PR_MCE_KILL_GET:
		show(5)
		hexFrom(1)
		note(false, true, lookup(setPrMceKillPolicy))
	case unix.PR_SET_FP_MODE:
		show(2)
		setText(1, flagsDfltText(setPrFpMode, uint64(uint32(raw[1])), "PR_FP_MODE_???"), uint64(uint32(raw[1])))
	case unix.PR_SET_SPECULATION_CTRL:
		show(3)
		setText(1, enum64Text(setPrSpecCmds, raw[1], "PR_SPEC_???"), raw[1])
		switch raw[1] {
		case unix.PR_SPEC_STORE_BYPASS, unix.PR_SPEC_INDIRECT_BRANCH, unix.PR_SPEC_L1D_FLUSH:
			setText(2, enum64Text(setPrSpecSetFlags, raw[2], "PR_SPEC_???"), raw[2])
		default:
			setText(2, hexText(raw[2]), raw[2])
		}
	default:
		show(5)
		hexFrom(1)
	}
}
