package decode

import "strconv"

// Time structures (dproc's group): struct itimerspec, the remaining time
// of clock_nanosleep, and the restart errors that make a sleep write it.

func init() {
	decoders[kindClockRemainOut] = decoder{exit: exitClockRemain}
	decoders[kindItimerspecIn] = decoder{entry: decItimerspecIn}
	decoders[kindItimerspecOut] = decoder{exit: exitItimerspecOut}
	for _, k := range []kind{kindClockRemainOut, kindItimerspecIn, kindItimerspecOut} {
		groupValueKinds[k] = ValueUint64 // pointers
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
