package strace

import (
	"strconv"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// injection is one -e inject= or -e fault= rule.
type injection struct {
	sel    map[int]bool
	errno  int
	retval int64
	hasRet bool
	signal int
	// when: the first call (1-based), the last (0: no end), the step
	// (0: only the first).
	first, last, step int
	counts            map[[2]int]int // (tid, nr) → calls seen
}

// parseInjection reads SET[:error=E][:retval=V][:signal=S][:when=EXPR].
func parseInjection(q, v string) (*injection, error) {
	parts := strings.Split(v, ":")
	in := &injection{sel: map[int]bool{}, first: 1, step: 1, counts: map[[2]int]int{}}
	if err := selectSyscalls(parts[0], in.sel); err != nil {
		return nil, err
	}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			return nil, usageErr("invalid -e %s= argument '%s'", q, p)
		}
		switch k {
		case "error":
			if n, err := strconv.Atoi(val); err == nil && n > 0 && n < 4096 {
				in.errno = n
				continue
			}
			n, err := filter.ErrnoByName(val)
			if err != nil {
				return nil, usageErr("invalid error '%s' in -e %s=", val, q)
			}
			in.errno = n
		case "retval":
			n, err := strconv.ParseInt(val, 0, 64)
			if err != nil {
				return nil, usageErr("invalid retval '%s' in -e %s=", val, q)
			}
			in.retval, in.hasRet = n, true
		case "signal":
			n := signalNumber(strings.ToUpper(val))
			if n == 0 {
				n = signalNumber("SIG" + strings.ToUpper(val))
			}
			if n == 0 {
				return nil, usageErr("invalid signal '%s' in -e %s=", val, q)
			}
			in.signal = n
		case "when":
			if err := in.parseWhen(val); err != nil {
				return nil, usageErr("invalid when '%s' in -e %s=", val, q)
			}
		default:
			return nil, usageErr("-e %s= %s is not supported", q, k)
		}
	}
	if in.errno != 0 && in.hasRet {
		return nil, usageErr("-e %s=: error= and retval= cannot be combined", q)
	}
	if in.errno == 0 && !in.hasRet && (q == "fault" || in.signal == 0) {
		in.errno = 38 // ENOSYS, strace's default
	}
	return in, nil
}

// parseWhen reads first[..last][+[step]].
func (in *injection) parseWhen(v string) error {
	step := ""
	if a, b, ok := strings.Cut(v, "+"); ok {
		v, step = a, b
		in.step = 1
		if step != "" {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return errBadWhen
			}
			in.step = n
		}
	} else {
		in.step = 0
	}
	first, last, ranged := strings.Cut(v, "..")
	n, err := strconv.Atoi(first)
	if err != nil || n < 1 {
		return errBadWhen
	}
	in.first = n
	if ranged {
		m, err := strconv.Atoi(last)
		if err != nil || m < n {
			return errBadWhen
		}
		in.last = m
		if in.step == 0 {
			in.step = 1
		}
	}
	return nil
}

var errBadWhen = usageErr("bad when")

// fires counts the call and reports whether this one is injected.
func (in *injection) fires(tid, nr int) bool {
	if !in.sel[nr] {
		return false
	}
	k := [2]int{tid, nr}
	in.counts[k]++
	n := in.counts[k]
	if n < in.first || in.last > 0 && n > in.last {
		return false
	}
	if in.step == 0 {
		return n == in.first
	}
	return (n-in.first)%in.step == 0
}
