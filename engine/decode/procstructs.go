package decode

import (
	"math/bits"
	"strconv"
	"strings"
)

// Process structures (dproc's group): getresuid's out ids, struct tms,
// CPU affinity masks.

func init() {
	decoders[kindUidOut] = decoder{exit: exitUidOut}
	decoders[kindTmsOut] = decoder{exit: exitTms}
	decoders[kindCpusetIn] = decoder{entry: decCpusetIn}
	decoders[kindCpusetOut] = decoder{exit: exitCpusetOut}
	for _, k := range []kind{kindUidOut, kindTmsOut, kindCpusetIn, kindCpusetOut} {
		valueKindOf[k] = ValueUint64 // pointers
	}
}

// uidText is strace's printuid: (uid_t)-1 as -1.
func uidText(v uint32) string {
	if v == 0xffffffff {
		return "-1"
	}
	return strconv.FormatUint(uint64(v), 10)
}

// exitUidOut is one uid_t the call stored: [1000].
func exitUidOut(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		v, ok := readInt32(s, addr)
		if !ok {
			return "", nil, false
		}
		return "[" + uidText(uint32(v)) + "]", uint64(uint32(v)), true
	})
}

// userHZ is the kernel's USER_HZ, the unit of clock_t (sysconf's
// _SC_CLK_TCK) on every architecture this package decodes.
const userHZ = 100

// clockText is strace's print_clock_t: ticks, and seconds in a comment.
func clockText(v uint64) string {
	t := strconv.FormatUint(v, 10)
	if v == 0 {
		return t
	}
	frac := strconv.FormatUint(v%userHZ, 10)
	for len(frac) < 2 { // ilog10(USER_HZ) digits
		frac = "0" + frac
	}
	return t + " /* " + strconv.FormatUint(v/userHZ, 10) + "." + frac + " s */"
}

func exitTms(s *state, i int, _ param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		w, ok := readWords(s, addr, 4)
		if !ok {
			return "", nil, false
		}
		names := [4]string{"tms_utime", "tms_stime", "tms_cutime", "tms_cstime"}
		parts := make([]string, 4)
		v := make(map[string]any, 4)
		for j, n := range names {
			parts[j] = n + "=" + clockText(w[j])
			v[n] = w[j]
		}
		return "{" + strings.Join(parts, ", ") + "}", v, true
	})
}

// maxCpusetBytes is how much of a CPU mask strace reads: its probe of the
// kernel's cpumask size starts at 128 bytes (1024 CPUs), which is enough
// for any kernel built for fewer CPUs.
const maxCpusetBytes = 128

// cpusetText is strace's print_affinitylist: the CPU numbers set in the
// first min(n, 128) bytes, "..." when the mask is longer than that.
func cpusetText(s *state, addr uint64, n uint32) (string, any, bool) {
	if n == 0 {
		return "[]", []int64{}, true
	}
	read := min(n, maxCpusetBytes)
	b := make([]byte, read)
	if !readFull(s.mem, addr, b) {
		return "", nil, false
	}
	var cpus []string
	var v []int64
	for j, c := range b {
		for c != 0 {
			bit := bits.TrailingZeros8(c)
			c &^= 1 << bit
			cpus = append(cpus, strconv.Itoa(8*j+bit))
			v = append(v, int64(8*j+bit))
		}
	}
	// strace rounds the mask up to whole words before comparing.
	if (read+7)&^7 < n {
		cpus = append(cpus, "...")
	}
	return "[" + strings.Join(cpus, " ") + "]", v, true
}

func decCpusetIn(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = ptrText(a.Raw), a.Raw
	if a.Raw == 0 {
		return
	}
	if text, v, ok := cpusetText(s, a.Raw, uint32(s.c.Raw[p.ref])); ok {
		a.Text, a.Value = text, v
	}
}

// exitCpusetOut: sched_getaffinity returns how many bytes it stored.
func exitCpusetOut(s *state, i int, _ param) {
	n, ok := retLen(s)
	if !ok {
		return
	}
	outStruct(s, i, func(addr uint64) (string, any, bool) { return cpusetText(s, addr, uint32(n)) })
}
