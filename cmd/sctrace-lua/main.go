package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sctrace-lua/sctrace-lua/bindings"
	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/strace"
	"github.com/sctrace-lua/sctrace-lua/scripts"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func init() {
	// Every ptrace request and wait4 must come from one thread: the main
	// goroutine's, where the Lua interpreter runs.
	runtime.LockOSThread()
}

const usage = `usage: sctrace-lua [options] SCRIPT [ARGS...]
       sctrace-lua [options] -e CODE [SCRIPT [ARGS...]]
       sctrace-lua run -p POLICY [-p POLICY...] [-o FILE] -- CMD [ARGS...]
       sctrace-lua run --profile FILE|docker-default [--audit] [-p POLICY...] -- CMD [ARGS...]
       sctrace-lua trace [strace-like options] -- CMD [ARGS...]
       sctrace-lua explain SCRIPT_OR_POLICY
       sctrace-lua learn [-o POLICY.lua] [--oci PROFILE.json] [--merge FILE] -- CMD [ARGS...]

Runs a Lua script with the Seccomp, Process and exec APIs: build a seccomp
policy in a Process.fork block, exec a program under it, and handle each
traced syscall in a Lua callback with Seccomp.start_trace.

SCRIPT is a file, or the name of a script shipped in the binary
(sctrace-lua sample-sh.lua works from any directory; a file of that name
in the working directory comes first). Subcommands are shipped scripts
too; "sctrace-lua SUBCOMMAND --help" describes each. To run a script file
named like a subcommand, write ./run. "sctrace-lua --list" lists the
subcommands, shipped scripts and policies.

options (before SCRIPT or the subcommand):
  -e CODE                  run CODE before the script (may be repeated)
  --traceback              print the Lua traceback with a script error
  --callback-timeout DUR   interrupt a trace callback running longer than
                           DUR (2s, 500ms, or seconds); the traced tree is
                           killed and start_trace raises
  --memory-limit MIB       interrupt a trace callback while the heap is
                           larger (default 2048)
  --poll DUR               after resuming a tracee, poll up to DUR for its
                           next stop before sleeping (default 200us; 0: off;
                           README, Performance)
  --verbose                say which script runs (a file or a shipped one)
  --list, scripts          list subcommands, shipped scripts and policies
  -h, --help               show this help
  --version                print the version

exit status: the script's os.exit(n); 0 when it ends normally; 1 on a script
error (printed as file:line: message); 2 on a usage error.
`

func main() {
	if code, ok := runHelper(); ok {
		os.Exit(code)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// runHelper runs this process as a helper child (a Process.fork child or
// the command trace starts) when it is one.
func runHelper() (int, bool) {
	if engine.IsHelper() && engine.HelperMode() == strace.HelperMode {
		return strace.RunChild(), true
	}
	if bindings.IsChild() {
		return bindings.RunChild(bindings.Options{Scripts: scripts.FS}), true
	}
	return 0, false
}

type options struct {
	exprs     []string
	traceback bool
	timeout   time.Duration
	memLimit  uint64
	poll      time.Duration
	script    string
	args      []string
	help      bool
	version   bool
	list      bool
	verbose   bool
}

// errUsage marks command-line mistakes (exit 2).
var errUsage = errors.New("usage")

// goSubcommands are written in Go; the value is the summary --list shows.
var goSubcommands = map[string]string{"trace": "an strace-like front end: runs CMD and prints its system calls"}

// subcommands are shipped scripts run with the remaining arguments.
var subcommands = map[string]string{"run": "run.lua", "explain": "explain.lua", "learn": "learn.lua"}

// parseArgs reads the options before SCRIPT (or a subcommand); everything
// after it belongs to the script.
func parseArgs(args []string) (options, error) {
	o := options{poll: engine.DefaultPollMax}
	value := func(i *int, name string) (string, error) {
		if *i+1 >= len(args) {
			return "", fmt.Errorf("%w: %s needs an argument", errUsage, name)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, inline, hasInline := strings.Cut(a, "=")
		get := func() (string, error) {
			if hasInline {
				return inline, nil
			}
			return value(&i, name)
		}
		switch {
		case a == "-h" || a == "--help":
			o.help = true
			return o, nil
		case a == "--version":
			o.version = true
			return o, nil
		case a == "--list":
			o.list = true
			return o, nil
		case a == "--verbose":
			o.verbose = true
		case a == "-e":
			v, err := value(&i, "-e")
			if err != nil {
				return o, err
			}
			o.exprs = append(o.exprs, v)
		case strings.HasPrefix(a, "-e") && !strings.HasPrefix(a, "--"):
			o.exprs = append(o.exprs, a[2:])
		case a == "--traceback":
			o.traceback = true
		case name == "--callback-timeout":
			v, err := get()
			if err != nil {
				return o, err
			}
			d, err := parseDuration(v)
			if err != nil {
				return o, fmt.Errorf("%w: --callback-timeout %q: %v", errUsage, v, err)
			}
			o.timeout = d
		case name == "--memory-limit":
			v, err := get()
			if err != nil {
				return o, err
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 || n > 1<<20 {
				return o, fmt.Errorf("%w: --memory-limit %q: expected MiB, 1..1048576", errUsage, v)
			}
			o.memLimit = n << 20
		case name == "--poll":
			v, err := get()
			if err != nil {
				return o, err
			}
			d, err := parsePoll(v)
			if err != nil {
				return o, fmt.Errorf("%w: --poll %q: %v", errUsage, v, err)
			}
			o.poll = d
		case a == "--":
			if i+1 < len(args) {
				o.script, o.args = args[i+1], args[i+2:]
			}
			if o.script == "" && len(o.exprs) == 0 {
				return o, fmt.Errorf("%w: no script given", errUsage)
			}
			return o, nil
		case strings.HasPrefix(a, "-") && a != "-":
			return o, fmt.Errorf("%w: unknown option %s", errUsage, a)
		case a == "":
			return o, fmt.Errorf("%w: empty script name", errUsage)
		default:
			o.script, o.args = a, args[i+1:]
			return o, nil
		}
	}
	if o.script == "" && len(o.exprs) == 0 {
		return o, fmt.Errorf("%w: no script given", errUsage)
	}
	return o, nil
}

// parsePoll accepts 0 and Go durations up to a second ("200us", "1ms").
func parsePoll(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > time.Second {
		return 0, errors.New("expected 0 or a duration up to 1s (200us, 1ms)")
	}
	return d, nil
}

// parseDuration accepts Go durations ("500ms", "2s") and plain seconds.
func parseDuration(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f <= 0 || f > 1e6 {
			return 0, errors.New("expected a positive number of seconds")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("expected a duration like 2s or 500ms")
	}
	return d, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua: %s (see sctrace-lua --help)\n", strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	}
	if o.help {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if o.version {
		fmt.Fprintf(stdout, "sctrace-lua %s\n", version)
		return 0
	}
	engine.SetPollMax(o.poll)
	if o.script == "trace" && len(o.exprs) == 0 {
		// trace is Go (engine/strace), not a shipped script.
		return strace.Main(o.args, stdout, stderr)
	}
	if o.list || (o.script == listWord && len(o.exprs) == 0) {
		printList(stdout)
		return 0
	}
	target, err := resolve(o.script)
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua: %s\n", err)
		return 2
	}
	if o.verbose {
		fmt.Fprintf(stderr, "sctrace-lua: %s\n", target.describe())
	}
	r := bindings.New(bindings.Options{
		Stderr: stderr, Scripts: scripts.FS,
		CallbackTimeout: o.timeout, MemoryLimit: o.memLimit,
	})
	defer r.Close()
	r.SetArgs(o.script, o.args)
	for _, code := range o.exprs {
		if err := r.DoString(code, "(command line)"); err != nil {
			return report(stderr, err, o.traceback)
		}
	}
	switch {
	case target.shipped != "":
		err = r.DoEmbedded(target.shipped, o.args)
	case o.script != "":
		err = r.DoFile(o.script, o.args)
		if target.near != "" && errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (did you mean %s?)", err, target.near)
		}
	}
	if err != nil {
		return report(stderr, err, o.traceback)
	}
	return 0
}

func report(stderr io.Writer, err error, traceback bool) int {
	var se *bindings.ScriptError
	if errors.As(err, &se) {
		fmt.Fprintf(stderr, "sctrace-lua: %s\n", se.Msg)
		if traceback && se.Traceback != "" {
			fmt.Fprintln(stderr, se.Traceback)
		}
		return 1
	}
	fmt.Fprintf(stderr, "sctrace-lua: %s\n", err)
	return 1
}
