// Command sctrace-lua runs Lua scripts that build seccomp policies, fork and
// exec processes under them, and trace the selected syscalls.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/bindings"
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
       sctrace-lua trace [strace-like options] -- CMD [ARGS...]
       sctrace-lua explain SCRIPT_OR_POLICY

Runs a Lua script with the Seccomp, Process and exec APIs: build a seccomp
policy in a Process.fork block, exec a program under it, and handle each
traced syscall in a Lua callback with Seccomp.start_trace.

Subcommands are shipped Lua scripts (scripts/run.lua, trace.lua,
explain.lua); "sctrace-lua SUBCOMMAND --help" describes each. To run a
script file named like a subcommand, write ./run.

options:
  -e CODE       run CODE before the script (may be repeated)
  --traceback   print the Lua traceback with a script error
  -h, --help    show this help
  --version     print the version

exit status: the script's os.exit(n); 0 when it ends normally; 1 on a script
error (printed as file:line: message); 2 on a usage error.
`

func main() {
	if bindings.IsChild() {
		os.Exit(bindings.RunChild(bindings.Options{Scripts: scripts.FS}))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	exprs     []string
	traceback bool
	script    string
	args      []string
}

// errUsage marks command-line mistakes (exit 2).
var errUsage = errors.New("usage")

func parseArgs(args []string) (options, error) {
	var o options
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e":
			if i+1 >= len(args) {
				return o, fmt.Errorf("%w: -e needs an argument", errUsage)
			}
			i++
			o.exprs = append(o.exprs, args[i])
		case strings.HasPrefix(a, "-e") && len(a) > 2:
			o.exprs = append(o.exprs, a[2:])
		case a == "--traceback":
			o.traceback = true
		case a == "--":
			if i+1 < len(args) {
				o.script, o.args = args[i+1], args[i+2:]
			}
			return o, nil
		case strings.HasPrefix(a, "-") && a != "-":
			return o, fmt.Errorf("%w: unknown option %s", errUsage, a)
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

// subcommands are shipped scripts run with the remaining arguments.
var subcommands = map[string]string{"run": "run.lua", "trace": "trace.lua", "explain": "explain.lua"}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if p, ok := subcommands[args[0]]; ok {
			return runEmbedded(p, args[1:], stderr)
		}
	}
	for _, a := range args {
		if a == "--" || (!strings.HasPrefix(a, "-") && a != "") {
			break
		}
		switch a {
		case "-h", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		case "--version":
			fmt.Fprintf(stdout, "sctrace-lua %s\n", version)
			return 0
		}
	}
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua: %s (see sctrace-lua --help)\n", strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	}
	r := bindings.New(bindings.Options{Stderr: stderr, Scripts: scripts.FS})
	defer r.Close()
	r.SetArgs(o.script, o.args)
	for _, code := range o.exprs {
		if err := r.DoString(code, "(command line)"); err != nil {
			return report(stderr, err, o.traceback)
		}
	}
	if o.script != "" {
		if err := r.DoFile(o.script, o.args); err != nil {
			return report(stderr, err, o.traceback)
		}
	}
	return 0
}

func runEmbedded(p string, args []string, stderr io.Writer) int {
	r := bindings.New(bindings.Options{Stderr: stderr, Scripts: scripts.FS})
	defer r.Close()
	if err := r.DoEmbedded(p, args); err != nil {
		return report(stderr, err, false)
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
