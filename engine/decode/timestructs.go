package decode

import (
	"encoding/binary"
	"strconv"
)

// Time structures (dproc's group): struct itimerspec, the remaining time
// of clock_nanosleep, and the restart errors that make a sleep write it.

func init() {
	decoders[kindClockRemainOut] = decoder{exit: exitClockRemain}
	decoders[kindItimerspecIn] = decoder{entry: decItimerspecIn}
	decoders[kindItimerspecOut] = decoder{exit: exitItimerspecOut}
	decoders[kindTimevalOut] = decoder{exit: exitTimevalOut}
	decoders[kindItimervalIn] = decoder{entry: decItimervalIn}
	decoders[kindItimervalOut] = decoder{exit: exitItimervalOut}
	decoders[kindTimezoneIn] = decoder{entry: decTimezoneIn}
	decoders[kindTimezoneOut] = decoder{exit: exitTimezoneOut}
	for _, k := range []kind{kindClockRemainOut, kindItimerspecIn, kindItimerspecOut,
		kindTimevalOut, kindItimervalIn, kindItimervalOut, kindTimezoneIn, kindTimezoneOut} {
		valueKindOf[k] = ValueUint64 // pointers
	}
}

// isRestart is strace's is_erestart: the errors a signal leaves on an
// interrupted call (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND,
// ERESTART_RESTARTBLOCK).
func isRestart(errno int) bool {
	_, ok := restartErrnos[errno]
	return ok
}

// timespecText is strace's print_timespec_t: tv_sec signed, tv_nsec
// unsigned (a negative one prints as its 64-bit pattern).
func timespecText(sec, nsec uint64) string {
	return "{tv_sec=" + strconv.FormatInt(int64(sec), 10) + ", tv_nsec=" + strconv.FormatUint(nsec, 10) + "}"
}

// exitClockRemain is clock_nanosleep's remain: written only for a relative
// sleep (flags 0, the whole register as strace tests it) that a signal
// interrupted.
func exitClockRemain(s *state, i int, p param) {
	if s.c.Raw[p.ref] != 0 {
		return
	}
	exitRemain(s, i, p)
}

func itimerspecAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 4)
	if !ok {
		return "", nil, false
	}
	return "{it_interval=" + timespecText(w[0], w[1]) + ", it_value=" + timespecText(w[2], w[3]) + "}",
		map[string]any{
			"it_interval": map[string]any{"tv_sec": int64(w[0]), "tv_nsec": int64(w[1])},
			"it_value":    map[string]any{"tv_sec": int64(w[2]), "tv_nsec": int64(w[3])},
		}, true
}

func decItimerspecIn(s *state, i int, _ param) { inStruct(s, i, itimerspecAt) }

func exitItimerspecOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return itimerspecAt(s, addr) })
}

func exitTimevalOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return timevalAt(s, addr) })
}

// itimervalAt is struct itimerval: two kernel_old_timevals.
func itimervalAt(s *state, addr uint64) (string, any, bool) {
	w, ok := readWords(s, addr, 4)
	if !ok {
		return "", nil, false
	}
	tv := func(sec, usec uint64) string {
		return "{tv_sec=" + strconv.FormatInt(int64(sec), 10) + ", tv_usec=" + strconv.FormatUint(usec, 10) + "}"
	}
	return "{it_interval=" + tv(w[0], w[1]) + ", it_value=" + tv(w[2], w[3]) + "}",
		map[string]any{
			"it_interval": map[string]any{"tv_sec": int64(w[0]), "tv_usec": int64(w[1])},
			"it_value":    map[string]any{"tv_sec": int64(w[2]), "tv_usec": int64(w[3])},
		}, true
}

func decItimervalIn(s *state, i int, _ param) { inStruct(s, i, itimervalAt) }

func exitItimervalOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return itimervalAt(s, addr) })
}

// timezoneAt is struct timezone: two ints.
func timezoneAt(s *state, addr uint64) (string, any, bool) {
	var b [8]byte
	if !readFull(s.mem, addr, b[:]) {
		return "", nil, false
	}
	west := int32(binary.NativeEndian.Uint32(b[:]))
	dst := int32(binary.NativeEndian.Uint32(b[4:]))
	return "{tz_minuteswest=" + strconv.Itoa(int(west)) + ", tz_dsttime=" + strconv.Itoa(int(dst)) + "}",
		map[string]any{"tz_minuteswest": int64(west), "tz_dsttime": int64(dst)}, true
}

func decTimezoneIn(s *state, i int, _ param) { inStruct(s, i, timezoneAt) }

func exitTimezoneOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) { return timezoneAt(s, addr) })
}
