package strace

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

// ErrUsage marks a command-line mistake: the command exits 2.
var ErrUsage = errors.New("usage")

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// Options is a parsed command line.
type Options struct {
	Selected  map[int]bool // nil: every syscall
	Output    string
	StrSize   int
	FdPaths   bool
	Time      int // -t count, at most 3
	Durations bool
	Count     bool
	JSON      bool
	Follow    bool
	Column    int // -a: where "= ret" starts
	Quiet     int // -q count
	Help      bool
	Cmd       []string
}

const usage = `usage: sctrace-lua trace [options] [--] CMD [ARGS...]

Runs CMD and prints its system calls like strace, decoded from a table of
syscall signatures. Only the selected syscalls stop (a seccomp filter picks
them); children are always followed.

options:
  -e trace=SET    trace only SET: names and classes, comma-separated
                  (%file %desc %network %process %signal %memory %ipc
                  %creds %clock, all, none; !SET negates); may be repeated
  -o FILE         write the trace to FILE instead of stderr
  -s N            show at most N bytes of strings and buffers (default 32)
  -y              show the path behind file descriptors
  -t, -tt, -ttt   prefix the time of day, with microseconds, as epoch
  -T              append the time spent in each call
  -a N            align the return values at column N (default 40)
  -c              count calls, errors and time per syscall; print a summary
  -q, -qq         suppress messages about attaching; with -qq also exits
  --json          one JSON object per call instead of strace lines
  -f              accepted for strace habit: children are always followed
  --seccomp-bpf   accepted: a seccomp filter always selects the calls
  -h, --help      show this help

No -p: a seccomp filter cannot be added to a running process, so trace
always starts CMD itself.

exit status: CMD's; if a signal killed CMD, trace dies of the same signal.
2 on a usage error.
`

// Usage is the --help text.
func Usage() string { return usage }

var knownClasses = map[string]bool{
	"desc": true, "file": true, "network": true, "net": true, "process": true,
	"signal": true, "memory": true, "ipc": true, "creds": true, "clock": true,
}

func allSyscalls() []int {
	var out []int
	for _, n := range filter.Names() {
		if nr, err := filter.SyscallNumber(n); err == nil {
			out = append(out, nr)
		}
	}
	return out
}

// selectSyscalls applies one trace= expression to sel.
func selectSyscalls(expr string, sel map[int]bool) error {
	negate := false
	if strings.HasPrefix(expr, "!") {
		negate, expr = true, expr[1:]
	}
	set := map[int]bool{}
	for _, item := range strings.Split(expr, ",") {
		optional := false
		if strings.HasPrefix(item, "?") {
			optional, item = true, item[1:]
		}
		switch {
		case item == "":
			return usageErr("empty name in -e trace=%s", expr)
		case item == "all":
			for _, nr := range allSyscalls() {
				set[nr] = true
			}
		case item == "none":
		case strings.HasPrefix(item, "/"):
			return usageErr("regular expressions in -e trace= are not supported: %s", item)
		case strings.HasPrefix(item, "%") || knownClasses[item]:
			class := strings.TrimPrefix(item, "%")
			if class == "net" {
				class = "network"
			}
			if !knownClasses[class] {
				return usageErr("invalid syscall class '%s'", item)
			}
			for _, name := range filter.Names() {
				cs, _ := decode.Classes(name)
				for _, c := range cs {
					if c == "%"+class {
						if nr, err := filter.SyscallNumber(name); err == nil {
							set[nr] = true
						}
					}
				}
			}
		default:
			nr, err := filter.SyscallNumber(item)
			if err != nil {
				if optional {
					continue
				}
				hint := ""
				var ue *filter.UnknownSyscallError
				if errors.As(err, &ue) && len(ue.Suggestions) > 0 {
					hint = " (did you mean " + strings.Join(ue.Suggestions, ", ") + "?)"
				}
				return usageErr("invalid system call '%s'%s", item, hint)
			}
			set[nr] = true
		}
	}
	if negate {
		if len(sel) == 0 {
			for _, nr := range allSyscalls() {
				sel[nr] = true
			}
		}
		for nr := range set {
			delete(sel, nr)
		}
	} else {
		for nr := range set {
			sel[nr] = true
		}
	}
	return nil
}

func numberArg(flag, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, usageErr("%s needs a non-negative integer, got '%s'", flag, v)
	}
	return n, nil
}

func (o *Options) expr(v string) error {
	q, rest, ok := strings.Cut(v, "=")
	if ok && q != "trace" && q != "t" {
		return usageErr("only -e trace= is supported, not -e %s=", q)
	}
	if !ok {
		rest = v
	}
	if o.Selected == nil {
		o.Selected = map[int]bool{}
	}
	return selectSyscalls(rest, o.Selected)
}

// Parse reads trace's command line.
func Parse(args []string) (*Options, error) {
	o := &Options{StrSize: 32, Column: 40}
	i := 0
	value := func(flag string) (string, error) {
		i++
		if i >= len(args) {
			return "", usageErr("%s needs an argument", flag)
		}
		return args[i], nil
	}
	// long options with a value: --name=V or --name V
	longs := map[string]func(string) error{
		"--trace":        o.expr,
		"--output":       func(v string) error { o.Output = v; return nil },
		"--string-limit": func(v string) error { n, err := numberArg("-s", v); o.StrSize = n; return err },
		"--columns":      func(v string) error { n, err := numberArg("-a", v); o.Column = n; return err },
	}
	// short options with a value: -sN or -s N
	shorts := map[byte]func(string) error{
		'e': o.expr,
		'o': longs["--output"],
		's': func(v string) error { n, err := numberArg("-s", v); o.StrSize = n; return err },
		'a': func(v string) error { n, err := numberArg("-a", v); o.Column = n; return err },
	}
loop:
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i++
			break loop
		case a == "-h" || a == "--help":
			o.Help = true
			return o, nil
		case a == "--json":
			o.JSON = true
		case a == "--follow-forks":
			o.Follow = true
		case a == "--decode-fds":
			o.FdPaths = true
		case a == "--syscall-times":
			o.Durations = true
		case a == "--summary-only":
			o.Count = true
		case a == "--seccomp-bpf" || a == "--decode-pids" || strings.HasPrefix(a, "--decode-pids="):
			// the calls are always selected by a seccomp filter
		case a == "--quiet":
			o.Quiet = 1
		case a == "-p" || strings.HasPrefix(a, "-p") || strings.HasPrefix(a, "--attach"):
			return nil, usageErr("-p is not supported: a seccomp filter cannot be added to a running process, so trace always starts the command")
		case strings.HasPrefix(a, "--"):
			name, v, has := strings.Cut(a, "=")
			f := longs[name]
			if f == nil {
				return nil, usageErr("unknown option %s", a)
			}
			if !has {
				var err error
				if v, err = value(name); err != nil {
					return nil, err
				}
			}
			if err := f(v); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				ch := a[j]
				if f := shorts[ch]; f != nil {
					v := a[j+1:]
					if v == "" {
						var err error
						if v, err = value("-" + string(ch)); err != nil {
							return nil, err
						}
					}
					if err := f(v); err != nil {
						return nil, err
					}
					break
				}
				switch ch {
				case 'f':
					o.Follow = true
				case 'y':
					o.FdPaths = true
				case 't':
					o.Time++
				case 'T':
					o.Durations = true
				case 'c':
					o.Count = true
				case 'q':
					o.Quiet++
				default:
					return nil, usageErr("unknown option %s", a)
				}
			}
		default:
			break loop
		}
	}
	o.Cmd = args[i:]
	if len(o.Cmd) == 0 {
		return nil, usageErr("must have a command to run")
	}
	if o.Time > 3 {
		o.Time = 3
	}
	if o.StrSize > 1048576 {
		return nil, usageErr("-s %d is more than 1048576", o.StrSize)
	}
	if o.Count && o.JSON {
		return nil, usageErr("-c and --json cannot be combined")
	}
	return o, nil
}

// syscalls lists the selected numbers, sorted.
func (o *Options) syscalls() []int {
	if o.Selected == nil {
		return allSyscalls()
	}
	out := make([]int, 0, len(o.Selected))
	for nr := range o.Selected {
		out = append(out, nr)
	}
	sort.Ints(out)
	return out
}
