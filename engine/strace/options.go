package strace

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"golang.org/x/sys/unix"
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
	FdDetails decode.FdDetail // -yy, --decode-fds=socket,dev,pidfd
	Time      int             // -t count, at most 3
	Durations bool
	Count     bool
	JSON      bool
	Follow    bool
	Column    int // -a: where "= ret" starts
	Quiet     int // -q count
	Help      bool
	Cmd       []string
	// Pids: -p, running processes to attach to instead of starting Cmd.
	Pids []int

	// Signals are the signals whose delivery is shown (-e signal=);
	// nil: all.
	Signals map[int]bool
	// Status selects calls by how they ended (-e status=, -z, -Z); nil: all.
	Status map[string]bool
	// Paths: -P, only calls that use one of these paths.
	Paths []string
	// ReadFds, WriteFds: -e read=, -e write= (hex dumps); AllRead/AllWrite: all.
	ReadFds, WriteFds map[int]bool
	AllRead, AllWrite bool
	Relative          bool          // -r
	Env               []string      // -E: VAR=VAL sets, VAR removes
	User              string        // -u
	PerPid            bool          // -ff: one file per process, FILE.PID
	CountAndTrace     bool          // -C
	Wall              bool          // -w: the summary counts wall time
	SortBy            string        // -S
	Columns           []column      // -U; nil: strace's default
	Overhead          time.Duration // -O: subtracted from each call's time
	IP                bool          // -i
	StackTraces       bool          // -k
	DetachOnExec      bool          // -b execve
	Daemonize         int           // -D count: 1 grandchild, 2 process group, 3 session
	Inject            []*injection
	quietExit         bool // -e quiet=exit
	quietAttach       bool // -e quiet=attach
	countSeen         int

	// Hex is -x (count of -x, at most 2) or --strings-in-hex.
	Hex     decode.HexMode
	hexLong *decode.HexMode // --strings-in-hex, applied after -x's check
	// Abbrev: the syscalls whose structures print abbreviated (-e abbrev=);
	// nil: all (strace's default); -v and --no-abbrev empty it.
	Abbrev map[int]bool
}

// statusNames are what -e status= knows.
var statusNames = []string{"successful", "failed", "unfinished", "unavailable", "detached"}

const usage = `usage: sctrace-lua trace [options] [--] CMD [ARGS...]
       sctrace-lua trace [options] -p PID[,PID...] [-p PID...]

Runs CMD and prints its system calls like strace, decoded from a table of
syscall signatures. Only the selected syscalls stop (a seccomp filter picks
them); children are always followed.

options:
  -e trace=SET    trace only SET: names and classes, comma-separated
                  (%file %desc %network %process %signal %memory %ipc
                  %creds %clock, all, none; !SET negates); may be repeated
  -o FILE         write the trace to FILE instead of stderr
  -s N            show at most N bytes of strings and buffers (default 32)
  -y              show the path behind file descriptors (-yy: sockets show
                  their protocol and addresses, devices their numbers)
  -v              print structures in full (--no-abbrev, -e abbrev=none);
                  -e abbrev=SET abbreviates only SET
  -x, -xx         print a string with a non-ASCII byte all in hex; -xx every
                  string (--strings-in-hex=none|non-ascii-chars|non-ascii|all)
  -t, -tt, -ttt   prefix the time of day, with microseconds, as epoch
  -T              append the time spent in each call
  -a N            align the return values at column N (default 40)
  -k              after each call, the user stack of its thread (DWARF CFI
                  of the mapped files, frame pointers where they have none)
  -c              count calls, errors and time per syscall; print a summary
  -q, -qq         suppress messages about attaching; with -qq also exits
  --json          one JSON object per call instead of strace lines
  -b execve       detach from a process when its execve succeeds (the
                  command's own exec excepted): the new program runs
                  untraced; the command is then traced without a filter
                  (every call stops, PTRACE_SYSCALL)
  -D, -DD, -DDD   run the tracer as the command's grandchild (the command
                  keeps trace's pid); -DD in its own process group, -DDD in
                  its own session (--daemonize=grandchild|pgroup|session)
  -p PID          attach to the running process PID (and its threads)
                  instead of running CMD; every call stops (PTRACE_SYSCALL,
                  no filter); Ctrl-C or SIGTERM detaches and leaves it running
  -f              with CMD: accepted for strace habit (children are always
                  followed); with -p: follow the children created after the
                  attach
  --seccomp-bpf   accepted: a seccomp filter always selects the calls
  -h, --help      show this help

A script can trace a running process with Seccomp.attach(pid, fn).

exit status: CMD's; if a signal killed CMD, trace dies of the same signal.
With -p: 0, or trace dies of the signal that made it detach.
2 on a usage error.
`

// Usage is the --help text.
func Usage() string { return usage }

// knownClasses are the classes strace also takes without "%".
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
			re, err := regexp.Compile(item[1:])
			if err != nil {
				return usageErr("invalid regular expression in -e trace=%s: %v", item, err)
			}
			for _, name := range filter.Names() {
				if re.MatchString(name) {
					if nr, err := filter.SyscallNumber(name); err == nil {
						set[nr] = true
					}
				}
			}
		case strings.HasPrefix(item, "%") || knownClasses[item]:
			class := item
			if !strings.HasPrefix(class, "%") {
				class = "%" + class // the old names without %: file, desc, …
			}
			if class == "%net" {
				class = "%network"
			}
			if !slices.Contains(decode.ClassNames(), class) {
				return usageErr("invalid syscall class '%s'", item)
			}
			for _, name := range filter.Names() {
				cs, _ := decode.Classes(name)
				if slices.Contains(cs, class) {
					if nr, err := filter.SyscallNumber(name); err == nil {
						set[nr] = true
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
	if !ok {
		q, rest = "trace", v
	}
	switch q {
	case "trace", "t":
		if o.Selected == nil {
			o.Selected = map[int]bool{}
		}
		return selectSyscalls(rest, o.Selected)
	case "signal", "signals", "s":
		return o.signalSet(rest)
	case "status":
		return o.statusSet(rest)
	case "read", "reads", "r":
		return fdSet("read", rest, &o.ReadFds, &o.AllRead)
	case "write", "writes", "w":
		return fdSet("write", rest, &o.WriteFds, &o.AllWrite)
	case "quiet", "silent", "silence", "q":
		for _, w := range strings.Split(strings.TrimPrefix(rest, "!"), ",") {
			if w == "exit" || w == "exiting" || w == "all" {
				o.quietExit = !strings.HasPrefix(rest, "!")
			}
			if w == "attach" || w == "all" {
				o.quietAttach = !strings.HasPrefix(rest, "!")
			}
		}
		return nil
	case "inject", "fault":
		in, err := parseInjection(q, rest)
		if err != nil {
			return err
		}
		o.Inject = append(o.Inject, in)
		return nil
	case "trace-fds", "trace-fd", "fd", "fds":
		return usageErr("-e %s= is not supported", q)
	case "abbrev", "a":
		o.Abbrev = map[int]bool{}
		return selectSyscalls(rest, o.Abbrev)
	case "verbose", "v":
		if rest != "all" {
			return usageErr("-e verbose=%s is not supported: structures are always decoded (only verbose=all, the default)", rest)
		}
		return nil
	case "raw", "x", "decode-fds", "decode-fd", "kvm", "decode-pids":
		return usageErr("-e %s= is not supported yet (the decoder has no such mode)", q)
	}
	return usageErr("invalid -e qualifier '%s'", q)
}

// signalSet parses -e signal=SET: names with or without SIG, numbers,
// all, none, !SET.
func (o *Options) signalSet(v string) error {
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimPrefix(v, "!")
	set := map[int]bool{}
	for _, item := range strings.Split(v, ",") {
		switch item {
		case "all":
			for i := 1; i <= 64; i++ {
				set[i] = true
			}
		case "none":
		case "":
			return usageErr("invalid signal '%s'", v)
		default:
			name := strings.ToUpper(item)
			if !strings.HasPrefix(name, "SIG") {
				if _, err := strconv.Atoi(name); err != nil {
					name = "SIG" + name
				}
			}
			n := signalNumber(name)
			if n <= 0 {
				return usageErr("invalid signal '%s'", item)
			}
			set[n] = true
		}
	}
	if neg {
		all := map[int]bool{}
		for i := 1; i <= 64; i++ {
			if !set[i] {
				all[i] = true
			}
		}
		set = all
	}
	o.Signals = set
	return nil
}

func (o *Options) statusSet(v string) error {
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimPrefix(v, "!")
	set := map[string]bool{}
	for _, item := range strings.Split(v, ",") {
		switch {
		case item == "all":
			for _, n := range statusNames {
				set[n] = true
			}
		case item == "none":
		default:
			known := false
			for _, n := range statusNames {
				known = known || n == item
			}
			if !known {
				return usageErr("invalid status '%s'", item)
			}
			set[item] = true
		}
	}
	if neg {
		all := map[string]bool{}
		for _, n := range statusNames {
			if !set[n] {
				all[n] = true
			}
		}
		set = all
	}
	if o.Status == nil {
		o.Status = set
		return nil
	}
	for n := range set {
		o.Status[n] = true
	}
	return nil
}

func fdSet(what, v string, fds *map[int]bool, all *bool) error {
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimPrefix(v, "!")
	set := map[int]bool{}
	isAll := false
	for _, item := range strings.Split(v, ",") {
		switch item {
		case "all":
			isAll = true
		case "none":
		default:
			n, err := strconv.Atoi(item)
			if err != nil || n < 0 {
				return usageErr("invalid descriptor '%s' in -e %s=", item, what)
			}
			set[n] = true
		}
	}
	if neg {
		// !SET: every descriptor but these
		*all = !isAll
		*fds = nil
		if !isAll && len(set) > 0 {
			return usageErr("-e %s=!FDS is not supported, only !all or !none", what)
		}
		return nil
	}
	*all, *fds = isAll, set
	return nil
}

// Parse reads trace's command line.
func Parse(args []string) (*Options, error) {
	o := &Options{StrSize: 32, Column: 40}
	follow := 0
	i := 0
	value := func(flag string) (string, error) {
		i++
		if i >= len(args) {
			return "", usageErr("%s needs an argument", flag)
		}
		return args[i], nil
	}
	setS := func(v string) error { n, err := numberArg("-s", v); o.StrSize = n; return err }
	setA := func(v string) error { n, err := numberArg("-a", v); o.Column = n; return err }
	setP := func(v string) error { o.Paths = append(o.Paths, v); return nil }
	setE := func(v string) error { o.Env = append(o.Env, v); return nil }
	setU := func(v string) error { o.User = v; return nil }
	setSort := func(v string) error {
		if _, ok := columnNames[v]; !ok {
			return usageErr("invalid sortby: '%s'", v)
		}
		o.SortBy = v
		return nil
	}
	setColumns := func(v string) (err error) { o.Columns, err = parseColumns(v); return err }
	setOverhead := func(v string) (err error) { o.Overhead, err = parseOverhead(v); return err }
	reject := func(flag, why string) func(string) error {
		return func(string) error { return usageErr("%s is not supported: %s", flag, why) }
	}
	qual := func(q string) func(string) error { return func(v string) error { return o.expr(q + "=" + v) } }
	// long options with a value: --name=V or --name V
	longs := map[string]func(string) error{
		"--trace":                    o.expr,
		"--output":                   func(v string) error { o.Output = v; return nil },
		"--string-limit":             setS,
		"--columns":                  setA,
		"--trace-path":               setP,
		"--signal":                   qual("signal"),
		"--status":                   qual("status"),
		"--read":                     qual("read"),
		"--write":                    qual("write"),
		"--inject":                   qual("inject"),
		"--fault":                    qual("fault"),
		"--env":                      setE,
		"--user":                     setU,
		"--summary-sort-by":          setSort,
		"--summary-columns":          setColumns,
		"--summary-syscall-overhead": setOverhead,
		"--attach":                   o.attachPids,
		"--detach-on":                o.detachOn,
		"--daemonize":                o.daemonize,
		"--quiet":                    qual("quiet"),
		"--abbrev":                   qual("abbrev"),
		"--verbose":                  qual("verbose"),
		"--raw":                      qual("raw"),
		"--decode-fds":               o.decodeFds,
		"--interruptible":            func(string) error { return nil },
		"--strings-in-hex":           o.stringsInHex,
	}
	// short options with a value: -sN or -s N
	shorts := map[byte]func(string) error{
		'e': o.expr,
		'o': longs["--output"],
		's': setS,
		'a': setA,
		'P': setP,
		'E': setE,
		'u': setU,
		'S': setSort,
		'U': setColumns,
		'p': o.attachPids,
		'b': o.detachOn,
		'I': func(string) error { return nil }, // interruptibility: trace is always interruptible by a fatal signal
		'X': reject("-X", "constants are always printed in strace's default (abbreviated) style"),
		'O': setOverhead,
	}
	flags := map[string]func(){
		"--json":                func() { o.JSON = true },
		"--follow-forks":        func() { follow++ },
		"--output-separately":   func() { follow = 2 },
		"--syscall-times":       func() { o.Durations = true },
		"--summary-only":        func() { o.Count = true },
		"--summary":             func() { o.CountAndTrace = true },
		"--summary-wall-clock":  func() { o.Wall = true },
		"--relative-timestamps": func() { o.Relative = true },
		"--absolute-timestamps": func() { o.Time = 1 },
		"--instruction-pointer": func() { o.IP = true },
		"--successful-only":     func() { o.expr("status=successful") },
		"--failed-only":         func() { o.expr("status=failed") },
		"--seccomp-bpf":         func() {},
		"--decode-pids":         func() {},
		"--decode-fds":          func() { o.FdPaths = true },
		"--quiet":               func() { o.Quiet = 1 },
		"--no-abbrev":           func() { o.Abbrev = map[int]bool{} },
		"--strings-in-hex":      func() { o.stringsInHex("all") },
		"--daemonize":           func() { o.Daemonize = max(o.Daemonize, 1) },
		"--stack-traces":        func() { o.StackTraces = true },
	}
	var err error
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
		case strings.HasPrefix(a, "--"):
			name, v, has := strings.Cut(a, "=")
			if f, ok := flags[a]; ok {
				if f == nil {
					return nil, usageErr("%s", flagWhy(a))
				}
				f()
				continue
			}
			f := longs[name]
			if f == nil {
				return nil, usageErr("unknown option %s", a)
			}
			if !has {
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
					follow++
				case 'y':
					if o.FdPaths {
						o.FdDetails = decode.FdAll // -yy
					}
					o.FdPaths = true
				case 't':
					o.Time++
				case 'T':
					o.Durations = true
				case 'c':
					o.Count = true
				case 'C':
					o.CountAndTrace = true
				case 'w':
					o.Wall = true
				case 'q':
					o.Quiet++
				case 'r':
					o.Relative = true
				case 'i':
					o.IP = true
				case 'z':
					o.expr("status=successful")
				case 'Z':
					o.expr("status=failed")
				case 'v':
					o.Abbrev = map[int]bool{}
				case 'x':
					if o.Hex < decode.HexAll {
						o.Hex++
					}
				case 'D':
					o.Daemonize = min(o.Daemonize+1, 3)
				case 'k':
					o.StackTraces = true
				case 'd', 'n', 'F', 'V':
					return nil, usageErr("-%c is not supported", ch)
				default:
					return nil, usageErr("unknown option %s", a)
				}
			}
		default:
			break loop
		}
	}
	o.Follow = follow > 0
	o.PerPid = follow > 1 && o.Output != ""
	o.Cmd = args[i:]
	if len(o.Cmd) == 0 && len(o.Pids) == 0 {
		return nil, usageErr("must have a command to run or -p PID")
	}
	if len(o.Cmd) > 0 && len(o.Pids) > 0 {
		return nil, usageErr("-p with a command is not supported: trace either starts CMD or attaches to running processes")
	}
	if len(o.Pids) > 0 && o.Daemonize > 0 {
		return nil, usageErr("-D needs a command to run, not -p")
	}
	if len(o.Pids) > 0 && o.User != "" {
		return nil, usageErr("-u needs a command to run, not -p")
	}
	if o.Time > 3 {
		o.Time = 3
	}
	if o.StrSize > 1048576 {
		return nil, usageErr("-s %d is more than 1048576", o.StrSize)
	}
	if o.StackTraces && o.JSON {
		return nil, usageErr("-k and --json cannot be combined")
	}
	if (o.Count || o.CountAndTrace) && o.JSON {
		return nil, usageErr("-c and --json cannot be combined")
	}
	if o.Count && o.CountAndTrace {
		o.Count = false // -c -C is -C, as in strace
	}
	if o.Quiet >= 2 {
		o.quietExit = true
	}
	if o.hexLong != nil {
		if o.Hex != decode.HexNone {
			return nil, usageErr("-x and --strings-in-hex cannot be provided simultaneously")
		}
		o.Hex = *o.hexLong
	}
	return o, nil
}

// stringsInHex is --strings-in-hex=none|non-ascii-chars|non-ascii|all.
func (o *Options) stringsInHex(v string) error {
	modes := map[string]decode.HexMode{
		"none": decode.HexNone, "non-ascii-chars": decode.HexNonASCIIChars,
		"non-ascii": decode.HexNonASCII, "all": decode.HexAll,
	}
	m, ok := modes[v]
	if !ok {
		return usageErr("invalid --strings-in-hex argument: '%s'", v)
	}
	o.hexLong = &m
	return nil
}

// attachPids parses -p's value: one pid or several, separated by commas
// or spaces as strace takes them; -p may be repeated.
func (o *Options) attachPids(v string) error {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return usageErr("invalid process id: '%s'", f)
		}
		dup := false
		for _, p := range o.Pids {
			dup = dup || p == n
		}
		if !dup {
			o.Pids = append(o.Pids, n)
		}
	}
	if len(o.Pids) == 0 {
		return usageErr("invalid process id: '%s'", v)
	}
	return nil
}

// daemonize is --daemonize=grandchild|pgroup|pgrp|session.
func (o *Options) daemonize(v string) error {
	switch v {
	case "grandchild":
		o.Daemonize = 1
	case "pgroup", "pgrp":
		o.Daemonize = 2
	case "session":
		o.Daemonize = 3
	default:
		return usageErr("invalid --daemonize %q (grandchild, pgroup or session)", v)
	}
	return nil
}

// detachOn is -b SYSCALL (--detach-on): only execve, as in strace.
func (o *Options) detachOn(v string) error {
	if v != "execve" {
		return usageErr("syscall '%s' for -b isn't supported (only execve)", v)
	}
	o.DetachOnExec = true
	return nil
}

func flagWhy(f string) string { return f + " is not supported" }

// decodeFds is --decode-fds=SET: path, socket, dev, pidfd, all, none.
func (o *Options) decodeFds(v string) error {
	o.FdPaths, o.FdDetails = false, 0
	for _, w := range strings.Split(v, ",") {
		switch w {
		case "path":
			o.FdPaths = true
		case "socket":
			o.FdDetails |= decode.FdSockets
		case "dev":
			o.FdDetails |= decode.FdDevices
		case "pidfd":
			o.FdDetails |= decode.FdPidfds
		case "all":
			o.FdPaths, o.FdDetails = true, decode.FdAll
		case "none":
			o.FdPaths, o.FdDetails = false, 0
		default:
			return usageErr("invalid --decode-fds %q (path, socket, dev, pidfd, all or none)", w)
		}
	}
	return nil
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

// signalNumber is the number of a "SIGxxx" name or a decimal string; 0
// when unknown.
func signalNumber(name string) int {
	if n, err := strconv.Atoi(name); err == nil {
		if n > 0 && n <= 64 {
			return n
		}
		return 0
	}
	if n := unix.SignalNum(name); n != 0 {
		return int(n)
	}
	switch name {
	case "SIGIOT":
		return int(unix.SIGABRT)
	case "SIGPOLL":
		return int(unix.SIGIO)
	case "SIGCLD":
		return int(unix.SIGCHLD)
	}
	if rest, ok := strings.CutPrefix(name, "SIGRTMIN"); ok {
		if rest == "" {
			return 34
		}
		if n, err := strconv.Atoi(rest); err == nil && n > 0 && 34+n <= 64 {
			return 34 + n
		}
	}
	if rest, ok := strings.CutPrefix(name, "SIGRT_"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 0 && 32+n <= 64 {
			return 32 + n
		}
	}
	return 0
}
