package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// callArg is one syscall for testdata/c/calls.c: "NR,A0,A1,…".
func callArg(nr int, args ...uint64) string {
	s := fmt.Sprint(nr)
	for _, a := range args {
		s += fmt.Sprintf(",%#x", a)
	}
	return s
}

// callResults parses calls' output: NR → "ok" or "errno N".
func callResults(out string) []string {
	var res []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if _, r, ok := strings.Cut(l, " "); ok {
			res = append(res, r)
		}
	}
	return res
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func errnoOf(e unix.Errno) string { return fmt.Sprintf("errno %d", int(e)) }

// run --profile docker-default refuses what docker run refuses (EPERM),
// runs ordinary programs, and --audit lists the refusals and lets them run.
func TestRunDockerDefault(t *testing.T) {
	calls := buildC(t, "calls")
	args := []string{
		callArg(unix.SYS_GETPID),
		callArg(unix.SYS_UNSHARE, unix.CLONE_NEWUSER),
		callArg(unix.SYS_MOUNT, 0, 0, 0, 0, 0),
		callArg(unix.SYS_KEYCTL, 0, 0),
	}
	r := cli(t, "", nil, "", append([]string{"run", "--profile", "docker-default", "--", calls}, args...)...)
	eperm := errnoOf(unix.EPERM)
	if got := callResults(r.stdout); r.code != 0 || strings.Join(got, "|") != strings.Join([]string{"ok", eperm, eperm, eperm}, "|") {
		t.Errorf("exit %d, results %v (getpid, unshare, mount, keyctl); stderr:\n%s", r.code, got, r.stderr)
	}
	// with CAP_SYS_ADMIN docker allows unshare and mount (keyctl never):
	// the kernel answers them (mount with NULL pointers: EFAULT)
	r = cli(t, "", nil, "", append([]string{"run", "--profile", "docker-default", "--cap-add", "SYS_ADMIN", "--", calls}, args...)...)
	if got := callResults(r.stdout); os.Getuid() == 0 && (len(got) != 4 || got[1] != "ok" || got[2] != errnoOf(unix.EFAULT) || got[3] != eperm) {
		t.Errorf("--cap-add SYS_ADMIN: results %v; stderr:\n%s", got, r.stderr)
	}
	r = cli(t, "", nil, "", "run", "--profile", "docker-default", "--", "unshare", "-U", "true")
	if r.code != 1 || !strings.Contains(r.stderr, "unshare failed: Operation not permitted") {
		t.Errorf("unshare -U true: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, cmd := range [][]string{{"sh", "-c", "ls / | wc -l"}, {"ls", "-la", "/"}, {"true"}} {
		if r := cli(t, "", nil, "", append([]string{"run", "--profile", "docker-default", "--"}, cmd...)...); r.code != 0 {
			t.Errorf("%v: exit %d, stderr:\n%s", cmd, r.code, r.stderr)
		}
	}
	// --audit: nothing refused, each refusal named once with its rule.
	r = cli(t, "", nil, "", append([]string{"run", "--profile", "docker-default", "--audit", "--", calls}, append(args, args[1])...)...)
	var audits []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "audit: docker-default refuses ") {
			audits = append(audits, strings.SplitN(strings.TrimPrefix(l, "audit: docker-default refuses "), " [pid", 2)[0])
		}
	}
	want := []string{
		"unshare(CLONE_NEWUSER) with EPERM (defaultAction SCMP_ACT_ERRNO)",
		"mount(NULL, NULL, NULL, 0, NULL) with EPERM (defaultAction SCMP_ACT_ERRNO)",
		"keyctl(0, 0, 0, 0, 0) with EPERM (defaultAction SCMP_ACT_ERRNO)",
	}
	if r.code != 0 || callResults(r.stdout)[1] != "ok" || strings.Join(audits, "\n") != strings.Join(want, "\n") ||
		!strings.Contains(r.stderr, "audit: docker-default would refuse 4 calls (3 patterns reported above)") {
		t.Errorf("audit: exit %d, results %v, reports:\n%s\nwant:\n%s\nstderr:\n%s", r.code, callResults(r.stdout), strings.Join(audits, "\n"), strings.Join(want, "\n"), r.stderr)
	}
	r = cli(t, "", nil, "", "run", "--profile", "docker-default", "--audit", "--", "unshare", "-U", "true")
	if r.code != 0 || !strings.Contains(r.stderr, "audit: docker-default refuses unshare(CLONE_NEWUSER) with EPERM") {
		t.Errorf("audit unshare -U true: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// The actions and runc's reading of conditions, on real calls.
func TestRunProfileSemantics(t *testing.T) {
	calls := buildC(t, "calls")
	dir := t.TempDir()
	prof := writeFile(t, dir, "p.json", fmt.Sprintf(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": %d,
  "syscalls": [
    {"names": ["execve", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
               "prlimit64", "openat", "newfstatat", "fstat", "read", "pread64", "close", "access", "write", "exit_group",
               "getrandom", "futex", "no_such_syscall_here"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 15, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77},
    {"names": ["getuid"], "action": "SCMP_ACT_TRACE"},
    {"names": ["getgid"], "action": "SCMP_ACT_LOG"},
    {"names": ["getegid"], "action": "SCMP_ACT_NOTIFY"},
    {"name": "geteuid", "action": "SCMP_ACT_ALLOW"}
  ]
}`, unix.ENOENT))
	r := cli(t, "", nil, "", "run", "--profile", prof, "--", calls,
		callArg(unix.SYS_PERSONALITY, 0), callArg(unix.SYS_PERSONALITY, 8), callArg(unix.SYS_PERSONALITY, 0xffffffff),
		callArg(unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC), callArg(unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_DGRAM),
		callArg(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM),
		callArg(unix.SYS_GETPPID), callArg(unix.SYS_GETUID), callArg(unix.SYS_GETGID), callArg(unix.SYS_GETEGID),
		callArg(unix.SYS_GETEUID), callArg(unix.SYS_GETPID))
	want := []string{
		"ok", "ok", errnoOf(unix.ENOENT), // two conditions on one argument: either
		"ok", errnoOf(unix.ENOENT), errnoOf(unix.ENOENT), // on two arguments: both
		"errno 77", errnoOf(unix.ENOSYS), "ok", "ok", "ok", errnoOf(unix.ENOENT),
	}
	if got := callResults(r.stdout); r.code != 0 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("exit %d\n got %v\nwant %v\nstderr:\n%s", r.code, got, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "notify: "+prof+" hands getegid() to its seccomp agent (syscalls[6] (getegid): SCMP_ACT_NOTIFY); no agent here, it runs") {
		t.Errorf("no notify report; stderr:\n%s", r.stderr)
	}
	// kill and trap: the process dies of SIGSYS
	for _, act := range []string{"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"} {
		p := writeFile(t, dir, act+".json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "`+act+`"}]}`)
		r := cli(t, "", nil, "", "run", "--profile", p, "--", calls, callArg(unix.SYS_GETPID), callArg(unix.SYS_GETPPID), callArg(unix.SYS_GETPID))
		if want := 128 + int(unix.SIGSYS); r.code != want || callResults(r.stdout)[0] != "ok" || len(callResults(r.stdout)) != 1 {
			t.Errorf("%s: exit %d (want %d), stdout %q", act, r.code, want, r.stdout)
		}
	}
}

// Profiles stack with policies: the kernel applies the strictest answer.
// A learned allow-list policy before a profile lets the exec step install
// the profile.
func TestRunProfileWithPolicies(t *testing.T) {
	calls := buildC(t, "calls")
	dir := t.TempDir()
	port, _ := listener(t)
	py := `import socket
for a in ("127.0.0.1", "127.0.0.2"):
    s = socket.socket()
    try:
        s.connect((a, %d)); print(a, "ok")
    except OSError as e:
        print(a, e.errno)
`
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		r := cli(t, "", nil, "", "run", "--profile", "docker-default", "-p", "deny-network:allow=127.0.0.1/32", "--", "/usr/bin/python3", "-c", fmt.Sprintf(py, port))
		if r.code != 0 || r.stdout != fmt.Sprintf("127.0.0.1 ok\n127.0.0.2 %d\n", unix.EACCES) {
			t.Errorf("deny-network + docker-default: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
		}
	}
	pol := filepath.Join(dir, "calls.lua")
	oci := filepath.Join(dir, "calls.json")
	if r := cli(t, "", nil, "", "learn", "-o", pol, "--oci", oci, "--", calls, callArg(unix.SYS_GETPID)); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := cli(t, "", nil, "", "run", "-p", pol, "--profile", "docker-default", "--", calls, callArg(unix.SYS_GETPID), callArg(unix.SYS_GETPPID), callArg(unix.SYS_UNSHARE, unix.CLONE_NEWUSER))
	if got := callResults(r.stdout); r.code != 0 || strings.Join(got, "|") != strings.Join([]string{"ok", errnoOf(unix.EPERM), errnoOf(unix.EPERM)}, "|") {
		t.Errorf("learned policy + docker-default: exit %d, %v, stderr:\n%s", r.code, got, r.stderr)
	}
	// an audit stop still reaches the policy that traces the syscall
	tracer := writeFile(t, dir, "unshare.lua", `return {description = "x", rules = function(rule) rule:trace("unshare", 0) end,
  on_syscall = function(call, opts) opts.log("policy saw %s", call.name) end}`)
	r = cli(t, "", nil, "", "run", "-p", tracer, "--profile", "docker-default", "--audit", "--", calls, callArg(unix.SYS_UNSHARE, unix.CLONE_NEWUSER))
	if r.code != 0 || callResults(r.stdout)[0] != "ok" || !strings.Contains(r.stderr, "audit: docker-default refuses unshare(CLONE_NEWUSER)") ||
		!strings.Contains(r.stderr, "policy saw unshare") {
		t.Errorf("audit + tracing policy: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// explain shows a learned policy as the filter it stacks
	r = cli(t, "", nil, "", "explain", pol)
	if r.code != 0 || !strings.Contains(r.stdout, "(2 of 2, stacked: the strictest answer wins)") || !strings.Contains(r.stdout, "(any other)                 errno(EPERM)") {
		t.Errorf("explain %s: exit %d\n%s%s", pol, r.code, r.stdout, r.stderr)
	}
	r = cli(t, "", nil, "", "run", "-p", pol, "-p", "log-exec", "--profile", oci, "--", calls, callArg(unix.SYS_GETPID))
	if r.code != 0 || !strings.Contains(r.stderr, "log-exec: ") {
		t.Errorf("learned policy + log-exec + learned profile: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// One JSON object per decision, audit report and log line, with the
// documented fields.
func TestRunJSONEvents(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run.jsonl")
	// a policy that decides in the tracer, and says so
	deny := writeFile(t, dir, "deny-mkdir.lua", `return {description = "mkdir fails", rules = function(rule) rule:trace("mkdir", 0) end,
  guarantees = {{what = "no mkdir", by = "tracer", calls = {"mkdir"}}},
  on_syscall = function(call, opts) return {"errno", "EROFS"} end}`)
	r := cli(t, "", nil, "", "run", "-p", "log-exec", "-p", deny, "--profile", "docker-default", "--audit", "-o", out, "--",
		"sh", "-c", "unshare -U true; mkdir "+filepath.Join(dir, "d"))
	if r.code == 0 {
		t.Errorf("the write was not refused; stderr:\n%s", r.stderr)
	}
	evs := readEvents(t, out)
	var sawLog, sawDeny, sawAudit bool
	for _, e := range evs {
		switch e.Type {
		case "log":
			sawLog = sawLog || e.Policy == "log-exec" && strings.Contains(e.Message, `/unshare", ["unshare", "-U", "true"]) = 0`)
		case "decision":
			if e.Decision == "errno" && e.Errno == "EROFS" && e.Policy == deny && e.Layer == "tracer (registers, race-free)" && e.Syscall == "mkdir" &&
				e.Rule == deny+".on_syscall" && e.Nr != nil && len(e.Args) > 0 && e.Args[0].Name != "" {
				sawDeny = true
			}
		case "audit":
			sawAudit = sawAudit || e.Syscall == "unshare" && e.Profile == "docker-default" && e.Call == "unshare(CLONE_NEWUSER)"
		}
	}
	last := evs[len(evs)-1]
	if !sawLog || !sawDeny || !sawAudit || last.Type != "exit" || last.ExitCode == nil || *last.ExitCode != r.code {
		t.Errorf("log %v, deny %v, audit %v, last %+v; events:\n%+v", sawLog, sawDeny, sawAudit, last, evs)
	}
	// The writer keeps to the documented names.
	r = cli(t, "", nil, "", "-e", `local w = Seccomp.events("-"); w:emit({type = "log", message = "hi", pid = 7}); w:emit({type = "log", colour = "red"})`)
	if !strings.Contains(r.stdout, `"type":"log","pid":7,"message":"hi"}`) || r.code != 1 || !strings.Contains(r.stderr, `unknown event field "colour"`) {
		t.Errorf("events writer: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Enforcing a profile alone makes no stop: no decision events at all.
	r = cli(t, "", nil, "", "run", "--profile", "docker-default", "--json", "--", "sh", "-c", "ls / >/dev/null; unshare -U true")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "unshare failed") || !strings.Contains(lines[1], `"type":"exit"`) {
		t.Errorf("--json on stderr: %q", lines)
	}
}

func TestRunProfileBadInput(t *testing.T) {
	dir := t.TempDir()
	w := func(name, body string) string { return writeFile(t, dir, name, body) }
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", w("m.json", "{\n \"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [}\n")}, "m.json:3: malformed JSON: invalid character '}' looking for beginning of value"},
		{[]string{"--profile", w("a.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_DENY"}]}`)}, `a.json: syscalls[0]: unknown action "SCMP_ACT_DENY" (valid: `},
		{[]string{"--profile", w("r.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]}`)}, `r.json: architectures: unknown architecture "SCMP_ARCH_Z80" (valid: `},
		{[]string{"--profile", w("e.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}`)}, "e.json: defaultAction SCMP_ACT_ERRNO and no entry allows it, so no command could start under it"},
		{[]string{"--profile", filepath.Join(dir, "missing.json")}, "missing.json: no such file or directory"},
		{[]string{"--profile", "docker-default", "--cap-add", "SYS_WIZARD"}, `unknown capability "SYS_WIZARD"`},
		{[]string{"--audit", "-p", "log-exec"}, "--audit needs --profile FILE"},
		{[]string{"--profile", "docker-default", "--profile", "docker-default"}, "--profile given twice"},
		{[]string{"--profile", "--"}, "--profile needs an argument"},
	} {
		args := append([]string{"run"}, c.args...)
		if args[len(args)-1] != "--" {
			args = append(args, "--")
		}
		r := cli(t, "", nil, "", append(args, "true")...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "sctrace-lua run: ") || !strings.Contains(lines[0], c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
