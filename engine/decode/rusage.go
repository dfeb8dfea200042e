package decode

import (
	"strconv"

	"golang.org/x/sys/unix"
)

func init() {
	decoders[kindRusageOut] = decoder{exit: exitRusage}
}

// exitRusage is getrusage's and wait4's struct rusage: the two times and
// "...", every field with -v. wait4 fills it only when it reaped a child
// (a pid > 0; WNOHANG's 0 leaves the address).
func exitRusage(s *state, i int, _ param) {
	if s.c.retKind == kindPid && s.c.Ret <= 0 {
		return
	}
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		var ru unix.Rusage
		if !readStruct(s, addr, &ru) {
			return "", nil, false
		}
		return rusageText(&ru, s.o.Verbose), map[string]any{
			"ru_utime": map[string]any{"tv_sec": int64(ru.Utime.Sec), "tv_usec": int64(ru.Utime.Usec)},
			"ru_stime": map[string]any{"tv_sec": int64(ru.Stime.Sec), "tv_usec": int64(ru.Stime.Usec)},
		}, true
	})
}

func rusageText(ru *unix.Rusage, verbose bool) string {
	tv := func(t unix.Timeval) string {
		return "{tv_sec=" + strconv.FormatInt(int64(t.Sec), 10) + ", tv_usec=" + strconv.FormatUint(uint64(t.Usec), 10) + "}"
	}
	text := "{ru_utime=" + tv(ru.Utime) + ", ru_stime=" + tv(ru.Stime)
	if !verbose {
		return text + ", ...}"
	}
	// strace prints the longs unsigned.
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"ru_maxrss", int64(ru.Maxrss)}, {"ru_ixrss", int64(ru.Ixrss)}, {"ru_idrss", int64(ru.Idrss)},
		{"ru_isrss", int64(ru.Isrss)}, {"ru_minflt", int64(ru.Minflt)}, {"ru_majflt", int64(ru.Majflt)},
		{"ru_nswap", int64(ru.Nswap)}, {"ru_inblock", int64(ru.Inblock)}, {"ru_oublock", int64(ru.Oublock)},
		{"ru_msgsnd", int64(ru.Msgsnd)}, {"ru_msgrcv", int64(ru.Msgrcv)}, {"ru_nsignals", int64(ru.Nsignals)},
		{"ru_nvcsw", int64(ru.Nvcsw)}, {"ru_nivcsw", int64(ru.Nivcsw)},
	} {
		text += ", " + f.name + "=" + strconv.FormatUint(uint64(f.v), 10)
	}
	return text + "}"
}
