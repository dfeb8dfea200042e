package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badCase is one bad input: the CLI must exit with code, print want on
// stderr (on one line when oneLine: a traceback is promised only for errors
// raised inside fork blocks and callbacks), panic nowhere and leave no
// process. bug marks a case that fails because of a product bug.
type badCase struct {
	name   string
	args   []string
	code   int
	want   string
	multi  bool   // stderr may hold several lines (traceback, nested report)
	stdout string // exact stdout when set
	bug    string
	unpriv bool // part of the unprivileged subset
}

// traced is a script prefix: a child traced at its own execve (the helper's
// exec of /bin/true is the one traced call), then start_trace with cb.
func traced(cb string) string {
	return `local p = Process.fork(function() local c = Seccomp.new({default="allow"}, function(r) r:trace("execve", 0) end) c:load() exec("/bin/true") end) ` +
		`print(Seccomp.start_trace(p, ` + cb + `))`
}

func badCases(t *testing.T) []badCase {
	dir := filepath.Join(work, "policies")
	os.MkdirAll(dir, 0o755)
	pol := func(name, body string) string {
		p := filepath.Join(dir, name+".lua")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notTable := pol("number", `return 42`)
	noRules := pol("norules", `return {description = "x"}`)
	syn := pol("syn", "return {description = \"x\" rules = }\n")
	loadErr := pol("loaderr", `error("at load")`)
	badSc := pol("badsc", "return {description = \"x\",\n  rules = function(r) r:trace(\"mkdri\", 0) end}")
	boom := pol("boom", `return {description = "x", rules = function(r) r:trace("execve", 0) end, on_syscall = function() error("policy boom") end}`)
	explode := pol("explode", `return {description = "x", rules = function(r) r:trace("execve", 0) end, on_syscall = function() return "explode" end}`)
	boolOpt := pol("bool", `return {description = "x", options = {v = true}, rules = function(r) end}`)
	denyMk := pol("denymk", `return {description = "x", rules = function(r) r:errno("EPERM", "mkdir") end}`)
	killMk := pol("killmk", `return {description = "x", rules = function(r) r:kill("mkdir") end}`)
	ioPol := pol("iopol", "local f = io.open(\"/etc/passwd\")\nreturn {description = \"x\", rules = function(r) end}")
	lua := func(code string) []string { return []string{"-e", code} }

	return []badCase{
		// the command line
		{name: "no script", args: nil, code: 2, want: "sctrace-lua: no script given", unpriv: true},
		{name: "unknown option", args: []string{"--bogus"}, code: 2, want: "unknown option --bogus", unpriv: true},
		{name: "-e without code", args: []string{"-e"}, code: 2, want: "-e needs an argument"},
		{name: "--callback-timeout without value", args: []string{"--callback-timeout"}, code: 2, want: "--callback-timeout needs an argument"},
		{name: "--callback-timeout not a duration", args: []string{"--callback-timeout", "soon", "-e", "x=1"}, code: 2, want: `--callback-timeout "soon"`},
		{name: "--memory-limit zero", args: []string{"--memory-limit=0", "-e", "x=1"}, code: 2, want: `--memory-limit "0": expected MiB`},
		{name: "--poll without value", args: []string{"--poll"}, code: 2, want: "--poll needs an argument"},
		{name: "--poll not a duration", args: []string{"--poll", "5x", "trace", "--", "/bin/true"}, code: 2, want: `--poll "5x": expected 0 or a duration up to 1s`, unpriv: true},
		{name: "--poll negative", args: []string{"--poll=-1ms", "-e", "x=1"}, code: 2, want: `--poll "-1ms": expected 0 or a duration up to 1s`},
		{name: "--poll too long", args: []string{"--poll", "2s", "-e", "x=1"}, code: 2, want: `--poll "2s": expected 0 or a duration up to 1s`},
		{name: "missing script file", args: []string{"/nonexistent/x.lua"}, code: 1, want: "cannot open /nonexistent/x.lua: no such file or directory", unpriv: true},
		{name: "script is a directory", args: []string{luaDir}, code: 1, want: "is a directory"},
		{name: "-- and no script", args: []string{"--"}, code: 2, want: "no script given"},
		{name: "empty script name", args: []string{""}, code: 2, want: "empty script name"},

		// the script
		{name: "syntax error", args: []string{script("bad_syntax.lua")}, code: 1, want: "bad_syntax.lua:3: syntax error near '='", unpriv: true},
		{name: "syntax error at end of chunk", args: lua("x ="), code: 1, want: "(command line):1: syntax error at the end of the chunk"},
		{name: "runtime error at top level", args: lua(`local x = 1 error("top level")`), code: 1, want: "(command line):1: top level", unpriv: true},
		{name: "index nil at top level", args: lua(`local t t.x = 1`), code: 1, want: "attempt to index a non-table object(nil) with key 'x'"},
		{name: "error object a table", args: lua(`error({})`), code: 1, want: "(error object is a table value)"},
		{name: "error in a required module", args: []string{script("requirer.lua")}, code: 1, want: "bad_module.lua:2: module boom"},
		{name: "missing module", args: lua(`require("nosuchmod")`), code: 1, want: "(command line):1: module nosuchmod not found", multi: true},
		{name: "error in a fork block", args: lua(`local p = Process.fork(function() error("in fork") end) local _, st = Process.waitpid(p) print(st:exitstatus())`),
			code: 0, want: "(command line):1: in fork", multi: true, stdout: "1\n", unpriv: true},
		{name: "error in a callback", args: lua(traced(`function() error("in callback") end`)), code: 1,
			want: "start_trace: (command line):1: in callback (the traced processes were killed)", multi: true, unpriv: true},
		{name: "callback returns a bad word", args: lua(traced(`function() return "maybe" end`)), code: 1, want: `callback for execve returned an unknown decision "maybe"`},
		{name: "callback returns a number", args: lua(traced(`function() return 42 end`)), code: 1, want: "returned a number value as its decision"},
		{name: "callback returns an unknown errno", args: lua(traced(`function() return {"errno", "EBOGUS"} end`)), code: 1, want: `unknown errno: "EBOGUS"`},
		{name: "callback returns a bad retval", args: lua(traced(`function() return {"retval", "x"} end`)), code: 1, want: `{"retval", …}: bad return value`},
		{name: "on_return returns a string", args: lua(traced(`function(nr, pid, ud, c) c:on_return(function() return "x" end) end`)), code: 1,
			want: "on_return callback for execve returned a string value"},
		{name: "on_exit raises", args: lua(traced(`function() end, {on_exit = function() error("in on_exit") end}`)), code: 1, want: "(command line):1: in on_exit", multi: true},
		{name: "set_arg index 7", args: lua(traced(`function(nr, pid, ud, c) c:set_arg(7, 1) end`)), code: 1, want: "argument index 7 out of range 1..6", multi: true},
		{name: "start_trace inside a callback", args: lua(traced(`function() Seccomp.start_trace(p, print) end`)), code: 1, want: "is not a Process.fork child waiting to be traced", multi: true},

		// the Seccomp API
		{name: "unknown syscall", args: lua(`Seccomp.new({default="allow"}, function(r) r:trace("conect", 0) end)`), code: 1, want: `unknown syscall "conect" (did you mean connect?)`, unpriv: true},
		{name: "unknown syscall number", args: lua(`Seccomp.new({default="allow"}):allow(12345)`), code: 1, want: "unknown syscall number 12345"},
		{name: "syscall of a wrong type", args: lua(`Seccomp.new({default="allow"}):allow({})`), code: 1, want: `bad syscall (a table value; expected a name like "connect" or a number)`},
		{name: "missing default", args: lua(`Seccomp.new({})`), code: 1, want: "missing option 'default'"},
		{name: "bad default action", args: lua(`Seccomp.new({default="alow"})`), code: 1, want: `unknown action "alow"`, unpriv: true},
		{name: "default of a wrong type", args: lua(`Seccomp.new({default=1})`), code: 1, want: "bad action (a number value"},
		{name: "options of a wrong type", args: lua(`Seccomp.new(1)`), code: 1, want: "bad argument #1 to new (table expected, got number)"},
		{name: "add_rule unknown action", args: lua(`Seccomp.new({default="allow"}):add_rule("explode", "read")`), code: 1, want: `unknown action "explode"`},
		{name: "add_rule empty action table", args: lua(`Seccomp.new({default="allow"}):add_rule({}, "read")`), code: 1, want: "unknown action table"},
		{name: "ud out of range", args: lua(`Seccomp.new({default="allow"}):trace("read", 70000)`), code: 1, want: "trace data 70000 out of range 0..65535", unpriv: true},
		{name: "ud negative", args: lua(`Seccomp.new({default="allow"}):trace("read", -1)`), code: 1, want: "out of range 0..65535"},
		{name: "ud not an integer", args: lua(`Seccomp.new({default="allow"}):trace("read", 1.5)`), code: 1, want: "bad trace user data 1.5 (expected an integer)"},
		{name: "ud missing", args: lua(`Seccomp.new({default="allow"}):trace("read")`), code: 1, want: "bad argument #3 to trace"},
		{name: "add_rule trace ud out of range", args: lua(`Seccomp.new({default="allow"}):add_rule({"trace", 70000}, "read")`), code: 1, want: "trace data 70000 out of range 0..65535"},
		{name: "errno out of range", args: lua(`Seccomp.new({default="allow"}):errno(5000, "read")`), code: 1, want: "errno 5000 out of range 1..4095"},
		{name: "unknown errno name", args: lua(`Seccomp.new({default="allow"}):errno("EFOO", "read")`), code: 1, want: `unknown errno: "EFOO"`},
		{name: "condition index 0", args: lua(`Seccomp.arg(0, "==", 1)`), code: 1, want: "condition argument index 0 out of range 1..6", unpriv: true},
		{name: "condition index 7", args: lua(`Seccomp.arg(7, "==", 1)`), code: 1, want: "condition argument index 7 out of range 1..6"},
		{name: "raw condition index 7 in a rule", args: lua(`Seccomp.new({default="allow"}):allow("read", {arg=7, op="==", value=1})`), code: 1, want: "condition argument index 7 out of range 1..6"},
		{name: "bad operator", args: lua(`Seccomp.arg(1, "=~", 1)`), code: 1, want: `"=~"`},
		{name: "operator missing", args: lua(`Seccomp.arg(1, nil, 1)`), code: 1, want: "bad argument #2 to arg (string expected, got nil)"},
		{name: "&= without its value", args: lua(`Seccomp.arg(1, "&=", 1)`), code: 1, want: "bad argument #4 to arg"},
		{name: "condition of a wrong type", args: lua(`Seccomp.new({default="allow"}):allow("read", 5)`), code: 1, want: "bad condition (a number value"},
		{name: "condition value beyond 64 bits", args: lua(`Seccomp.arg(1, "==", 2^64)`), code: 1, want: "above the 64-bit range"},
		{name: "condition value a string", args: lua(`Seccomp.arg(1, "==", "abc")`), code: 1, want: `bad argument #3 to arg (bad condition value "abc"`},
		{name: "condition index not an integer", args: lua(`Seccomp.arg(1.5, "==", 1)`), code: 1, want: "1.5"},
		{name: "two conditions on one argument", args: lua(`Seccomp.new({default="allow"}):kill("read", Seccomp.arg(1, "==", 1), Seccomp.arg(1, "==", 2))`), code: 1, want: "more than one condition on arg1 "},
		{name: "conflicting rules", args: lua(`local c = Seccomp.new({default="allow"}) c:trace("read", 1) c:errno("EPERM", "read")`), code: 1, want: "conflicting rules for read"},
		{name: "load outside a fork block", args: lua(`Seccomp.new({default="allow"}):load()`), code: 1, want: "ctx:load() outside a Process.fork block"},
		{name: "syscall_to_name unknown", args: lua(`Seccomp.syscall_to_name(99999)`), code: 1, want: "unknown syscall number 99999"},
		{name: "syscall_to_i unknown", args: lua(`Seccomp.syscall_to_i("nosuch")`), code: 1, want: `unknown syscall "nosuch"`},
		{name: "rules function raises", args: lua(`Seccomp.new({default="allow"}, function(r) error("in rules") end)`), code: 1, want: "(command line):1: in rules"},
		{name: "start_trace of a non-child", args: lua(`Seccomp.start_trace(1, function() end)`), code: 1, want: "pid 1 is not a Process.fork child", unpriv: true},
		{name: "start_trace twice", args: lua(`local p = Process.fork(function() end) Seccomp.start_trace(p, function() end) Seccomp.start_trace(p, function() end)`), code: 1, want: "is not a Process.fork child waiting to be traced"},
		{name: "start_trace bad on_exit", args: lua(`local p = Process.fork(function() end) Seccomp.start_trace(p, function() end, {on_exit = 5})`), code: 1, want: "on_exit must be a function"},
		{name: "start_trace without a function", args: lua(`local p = Process.fork(function() end) Seccomp.start_trace(p, 5)`), code: 1, want: "bad argument #2 to start_trace (function expected, got number)"},

		// the Process API and exec
		{name: "fork without a function", args: lua(`Process.fork()`), code: 1, want: "bad argument #1 to fork (function expected, got nil)"},
		{name: "fork of a builtin", args: lua(`Process.fork(print)`), code: 1, want: "needs a Lua function, not a built-in"},
		{name: "fork carrying an open file", args: lua(`local f = io.open("/dev/null") Process.fork(function() return f end)`), code: 1, want: "cannot carry upvalue 'f' (userdata FILE*)", unpriv: true},
		{name: "fork carrying a coroutine", args: lua(`local co = coroutine.create(print) Process.fork(function() return co end)`), code: 1, want: "coroutines cannot cross a fork"},
		{name: "kill unknown signal", args: lua(`Process.kill("FOO", 1)`), code: 1, want: `unknown signal "FOO"`, unpriv: true},
		{name: "kill signal out of range", args: lua(`Process.kill(99, 1)`), code: 1, want: "signal number 99 out of range 0..64"},
		{name: "kill without a pid", args: lua(`Process.kill("TERM")`), code: 1, want: "bad argument #2 to kill (pid expected)"},
		{name: "kill pid of a wrong type", args: lua(`Process.kill("TERM", "abc")`), code: 1, want: "number expected, got string"},
		{name: "kill a missing process", args: lua(`print(Process.kill("TERM", 999999999))`), code: 0, want: "", stdout: "nil\tkill 999999999: no such process\n"},
		{name: "waitpid of a wrong type", args: lua(`Process.waitpid("x")`), code: 1, want: "bad argument #1 to waitpid (number expected, got string)"},
		{name: "waitpid of a non-child", args: lua(`print(Process.waitpid(999999999))`), code: 0, want: "", stdout: "nil\twaitpid 999999999: no child processes\n"},
		{name: "exec of a missing program", args: lua(`exec("/nonexistent")`), code: 1, want: "exec: /nonexistent: no such file or directory", unpriv: true},
		{name: "exec of a missing program in a fork block", args: lua(`local p = Process.fork(function() exec("no-such-command-xyz") end) local _, st = Process.waitpid(p) print(st:exitstatus())`),
			code: 0, want: "exec: no-such-command-xyz: no such file or directory", stdout: "127\n"},
		{name: "exec of a non-executable", args: lua(`exec("/etc/passwd")`), code: 1, want: "exec: /etc/passwd: permission denied"},
		{name: "exec argument of a wrong type", args: lua(`exec("/bin/true", {})`), code: 1, want: "bad argument #2 to exec (string expected, got table)"},
		{name: "os.exit of a wrong type", args: lua(`os.exit("x")`), code: 1, want: "bad argument #1 to exit (expected a number or boolean, got string)"},

		// run: policies and options
		{name: "run without policy", args: []string{"run", "--", "true"}, code: 2, want: "no policy given", unpriv: true},
		{name: "run -p without value", args: []string{"run", "-p"}, code: 2, want: "-p needs an argument"},
		{name: "run without command", args: []string{"run", "-p", "log-exec"}, code: 2, want: "no command given"},
		{name: "run unknown option", args: []string{"run", "-x"}, code: 2, want: "unknown option -x"},
		{name: "run unknown policy", args: []string{"run", "-p", "no-such-policy", "--", "true"}, code: 2, want: `unknown policy "no-such-policy"`, unpriv: true},
		{name: "run empty policy name", args: []string{"run", "-p", "", "--", "true"}, code: 2, want: "empty policy name"},
		{name: "run empty option list", args: []string{"run", "-p", "limit-forks:", "--", "true"}, code: 2, want: "empty option list after ':'"},
		{name: "run option of a wrong type", args: []string{"run", "-p", "limit-forks:max=lots", "--", "true"}, code: 2, want: `option max expects a number, got "lots"`},
		{name: "run unknown option key", args: []string{"run", "-p", "limit-forks:min=1", "--", "true"}, code: 2, want: `policy limit-forks has no option "min" (options: max)`},
		{name: "run boolean option", args: []string{"run", "-p", boolOpt + ":v=maybe", "--", "true"}, code: 2, want: `option v expects true or false, got "maybe"`},
		{name: "run policy not a table", args: []string{"run", "-p", notTable, "--", "true"}, code: 2, want: "expected a table"},
		{name: "run policy without rules", args: []string{"run", "-p", noRules, "--", "true"}, code: 2, want: "field 'rules' must be a function"},
		{name: "run policy syntax error", args: []string{"run", "-p", syn, "--", "true"}, code: 2, want: syn + ":1: syntax error near 'rules'"},
		{name: "run policy raises at load", args: []string{"run", "-p", loadErr, "--", "true"}, code: 2, want: loadErr + ":1: at load"},
		{name: "run policy bad syscall", args: []string{"run", "-p", badSc, "--", "true"}, code: 2, want: "badsc.lua:2: rule:trace: unknown syscall \"mkdri\" (did you mean mkdir?)"},
		{name: "run policy on_syscall raises", args: []string{"run", "-p", boom, "--", "true"}, code: 1, want: boom + ":1: policy boom", multi: true},
		{name: "run policy bad decision", args: []string{"run", "-p", explode, "--", "true"}, code: 1, want: `callback for execve returned an unknown decision "explode"`},
		{name: "run conflicting policies", args: []string{"run", "-p", denyMk, "-p", killMk, "--", "true"}, code: 2, want: "policies " + denyMk + " and " + killMk + " conflict:"},
		{name: "run log file unwritable", args: []string{"run", "-p", "log-exec", "-o", "/nonexistent/dir/log", "--", "true"}, code: 2, want: "cannot open /nonexistent/dir/log"},
		{name: "run missing command", args: []string{"run", "-p", "log-exec", "--", "no-such-command-xyz"}, code: 127, want: "exec: no-such-command-xyz: no such file or directory", multi: true},
		{name: "run bad errno option", args: []string{"run", "-p", "deny-network:errno=EBOGUS", "--", "true"}, code: 2, want: "EBOGUS"},
		{name: "run bad allow option", args: []string{"run", "-p", "deny-network:allow=garbage", "--", "true"}, code: 2, want: "garbage"},
		{name: "run --sandbox with a module name", args: []string{"run", "--sandbox", "-p", "deny-network", "--", "true"}, code: 2, want: "--sandbox takes policy files"},
		{name: "run --sandbox policy opens a file", args: []string{"run", "--sandbox", "-p", ioPol, "--", "true"}, code: 2, want: ioPol + ":1: "},
		{name: "explain unknown policy", args: []string{"explain", "no-such-policy"}, code: 2, want: `unknown policy "no-such-policy"`},
	}
}

// Bad input across the command line, scripts, the Seccomp and Process
// APIs and run's policies: a clear error naming what was wrong, the
// documented exit code, no Go panic, nothing left running.
func TestBadInput(t *testing.T) {
	cases := badCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	bugs := 0
	for _, c := range cases {
		if c.bug != "" {
			bugs++
		}
	}
	t.Logf("FIGURE bad inputs: %d tried (%d known bugs skipped)", len(cases), bugs)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkBad(t, c, opts{}) })
	}
}

func checkBad(t *testing.T, c badCase, o opts) {
	t.Helper()
	if c.bug != "" {
		knownBug(t, c.bug)
	}
	r := cliOpts(t, o, c.args...)
	if r.code != c.code || !strings.Contains(r.stderr, c.want) {
		t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", r.code, c.code, r.stderr, c.want)
	}
	if c.stdout != "" && r.stdout != c.stdout {
		t.Errorf("stdout %q, want %q", r.stdout, c.stdout)
	}
	if !c.multi {
		if n := strings.Count(strings.TrimRight(r.stderr, "\n"), "\n"); n > 0 {
			t.Errorf("error is %d lines, want one:\n%s", n+1, r.stderr)
		}
	}
	if c.want != "" && !strings.HasPrefix(r.stderr, "sctrace-lua") {
		t.Errorf("the error does not start with the program name:\n%s", r.stderr)
	}
}
