package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	mseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/sctrace-lua/sctrace-lua/engine/profile"
)

// event is the part of run's JSON events the tests read.
type event struct {
	Type, Syscall, Decision, Errno, Outcome, Policy, Profile, Rule, Layer, Message, Call, Status string
	Pid, Tid                                                                                     int
	Nr                                                                                           *int
	ExitCode                                                                                     *int `json:"exit_code"`
	Args                                                                                         []struct {
		Name, Type, Text string
		Value            any
	}
}

func readEvents(t *testing.T, path string) []event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e event
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func ofType(evs []event, typ string) []event {
	var out []event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// checkLearnedProfile: the file loads with moby's LoadProfile, decodes into
// moby's and the runtime-spec's types with no unknown field, has sorted
// names, and loads with ours.
func checkLearnedProfile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var strict mseccomp.Seccomp
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&strict); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: profile.DefaultCaps()}}}
	cfg, err := mseccomp.LoadProfile(string(b), rs)
	if err != nil || cfg == nil || cfg.DefaultAction != specs.ActErrno || len(cfg.Syscalls) == 0 {
		t.Fatalf("%s: LoadProfile: %v %+v", path, err, cfg)
	}
	for _, s := range cfg.Syscalls {
		if !slices.IsSorted(s.Names) {
			t.Errorf("%s: names not sorted: %v", path, s.Names)
		}
	}
	if _, err := profile.Load(path, b, profile.Options{}); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

type learnCase struct {
	name    string
	cmd     []string // learned
	variant []string // makes one extra kind of call
	extra   string   // that call
	// failed checks the variant's run under the learned policy and under
	// the learned profile: it met EPERM at the extra call.
	failed func(t *testing.T, r result)
	unpriv bool
}

func learnCases(t *testing.T, dir string) []learnCase {
	opNotPermitted := func(code int, text string) func(t *testing.T, r result) {
		return func(t *testing.T, r result) {
			t.Helper()
			if r.code != code || !strings.Contains(r.stdout+r.stderr, text) {
				t.Errorf("exit %d, want %d with %q; stdout:\n%s\nstderr:\n%s", r.code, code, text, r.stdout, r.stderr)
			}
		}
	}
	host, _ := os.Hostname()
	cases := []learnCase{{
		name: "ls", cmd: []string{"ls", "-la", "/"},
		// --hyperlink names the host: uname(2), the one extra call. ls
		// goes on without it, printing file:/// instead of file://HOST/.
		variant: []string{"ls", "-la", "--hyperlink=always", "/"}, extra: "uname",
		failed: func(t *testing.T, r result) {
			if r.code != 0 || !strings.Contains(r.stdout, "file:///") || host != "" && strings.Contains(r.stdout, "file://"+host+"/") {
				t.Errorf("exit %d; uname was not refused: stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
		},
		unpriv: true,
	}, {
		name: "pipeline", cmd: []string{"sh", "-c", "ls / | wc -l"},
		variant: []string{"sh", "-c", "ls / | wc -l; kill -0 $$"}, extra: "kill",
		failed: opNotPermitted(1, "kill: Operation not permitted"),
	}}
	if py, err := exec.LookPath("python3"); err == nil {
		cases = append(cases, learnCase{
			name: "python", cmd: []string{py, "-c", "import json, socket"},
			// The errno is told by the exit status: printing it, or a
			// traceback, would make calls of its own (the learned run
			// wrote nothing).
			variant: []string{py, "-c", "import json, socket, os\ntry: os.mkdir('" + filepath.Join(dir, "pydir") + "')\nexcept OSError as e: raise SystemExit(100 + e.errno)"}, extra: "mkdir",
			failed: opNotPermitted(100+int(syscall.EPERM), ""),
			unpriv: worldReadable(filepath.Dir(py)),
		})
	}
	if _, err := exec.LookPath("gcc"); err == nil {
		src := filepath.Join(dir, "small.c")
		if err := os.WriteFile(src, []byte("int twice(int x) { return 2 * x; }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		obj := filepath.Join(dir, "small.o")
		cases = append(cases, learnCase{
			name: "gcc", cmd: []string{"gcc", "-c", src, "-o", obj},
			// -pipe joins cc1 and as with a pipe: dup2(2) is new.
			variant: []string{"gcc", "-pipe", "-c", src, "-o", obj}, extra: "dup2",
			failed: opNotPermitted(1, "dup2: Operation not permitted"),
		})
		threads := buildC(t, "threads")
		cases = append(cases, learnCase{
			name: "threads", cmd: []string{threads},
			variant: []string{threads, "mkdir", filepath.Join(dir, "thdir")}, extra: "mkdir",
			failed: opNotPermitted(3, "mkdir: Operation not permitted"),
			unpriv: true,
		})
	}
	return cases
}

// learn on real programs: each learned policy and profile runs the same
// command to success; a variant making one extra kind of call meets EPERM
// there, and run --audit names exactly that call.
func TestLearnRealPrograms(t *testing.T) {
	dir := t.TempDir()
	for _, c := range learnCases(t, dir) {
		t.Run(c.name, func(t *testing.T) { testLearn(t, c, dir, nil, "") })
	}
}

func TestLearnUnprivileged(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("already unprivileged: TestLearnRealPrograms runs as this user")
	}
	exe := nobodyExe(t)
	dir := filepath.Dir(exe)
	abs, _ := filepath.Abs(scriptsDir)
	if !worldReadable(abs) || !worldReadable(dir) {
		t.Skip("the test files are not reachable by uid 65534")
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o777)
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	for _, c := range learnCases(t, work) {
		if !c.unpriv {
			continue
		}
		if len(c.cmd) == 1 { // a binary built by the test: copy it where uid 65534 can run it
			b, err := os.ReadFile(c.cmd[0])
			if err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, filepath.Base(c.cmd[0]))
			os.WriteFile(bin, b, 0o755)
			c.cmd[0], c.variant[0] = bin, bin
		}
		t.Run(c.name, func(t *testing.T) { testLearn(t, c, work, cred, exe) })
	}
}

func testLearn(t *testing.T, c learnCase, dir string, cred *syscall.Credential, exe string) {
	pol := filepath.Join(dir, c.name+".lua")
	oci := filepath.Join(dir, c.name+".json")
	r := cli(t, "", cred, exe, append([]string{"learn", "-o", pol, "--oci", oci, "--"}, c.cmd...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "sctrace-lua learn: wrote policy "+pol) {
		t.Fatalf("learn: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	checkLearnedProfile(t, oci)
	if r := cli(t, "", cred, exe, append([]string{"run", "-p", pol, "--"}, c.cmd...)...); r.code != 0 {
		t.Errorf("run -p %s: exit %d, stderr:\n%s", pol, r.code, r.stderr)
	}
	if r := cli(t, "", cred, exe, append([]string{"run", "--profile", oci, "--"}, c.cmd...)...); r.code != 0 {
		t.Errorf("run --profile %s: exit %d, stderr:\n%s", oci, r.code, r.stderr)
	}
	t.Run("variant under the policy", func(t *testing.T) {
		c.failed(t, cli(t, "", cred, exe, append([]string{"run", "-p", pol, "--"}, c.variant...)...))
	})
	t.Run("variant under the profile", func(t *testing.T) {
		c.failed(t, cli(t, "", cred, exe, append([]string{"run", "--profile", oci, "--"}, c.variant...)...))
	})
	t.Run("audit", func(t *testing.T) {
		os.RemoveAll(filepath.Join(dir, "pydir"))
		os.RemoveAll(filepath.Join(dir, "thdir"))
		out := filepath.Join(dir, c.name+".jsonl")
		r := cli(t, "", cred, exe, append([]string{"run", "--profile", oci, "--audit", "-o", out, "--"}, c.variant...)...)
		if r.code != 0 {
			t.Fatalf("audit run: exit %d, stderr:\n%s", r.code, r.stderr)
		}
		audits := ofType(readEvents(t, out), "audit")
		if len(audits) != 1 || audits[0].Syscall != c.extra || audits[0].Errno != "EPERM" ||
			audits[0].Rule != "defaultAction SCMP_ACT_ERRNO" || audits[0].Layer != "kernel (seccomp)" {
			t.Errorf("audit events %+v, want exactly one for %s", audits, c.extra)
		}
	})
}

// --merge unions runs: a profile learned from two commands runs both;
// learned from one, the other meets EPERM.
func TestLearnMerge(t *testing.T) {
	dir := t.TempDir()
	mk := filepath.Join(dir, "made")
	one := filepath.Join(dir, "one.json")
	pol := filepath.Join(dir, "both.lua")
	both := filepath.Join(dir, "both.json")
	if r := cli(t, "", nil, "", "learn", "--oci", one, "-o", pol, "--", "true"); r.code != 0 {
		t.Fatalf("learn: %s", r.stderr)
	}
	if r := cli(t, "", nil, "", "run", "--profile", one, "--", "mkdir", mk); r.code != 1 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Fatalf("mkdir under true's profile: exit %d %s", r.code, r.stderr)
	}
	// both inputs at once, one of them the output itself
	r := cli(t, "", nil, "", "learn", "--merge", one, "--merge", pol, "--oci", both, "-o", pol, "--", "mkdir", mk)
	if r.code != 0 || !strings.Contains(r.stderr, "with the merged inputs") {
		t.Fatalf("merge: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	os.Remove(mk)
	checkLearnedProfile(t, both)
	for _, args := range [][]string{{"run", "--profile", both, "--", "mkdir", mk}, {"run", "-p", pol, "--", "true"}, {"run", "-p", pol, "--", "mkdir", mk}} {
		os.Remove(mk)
		if r := cli(t, "", nil, "", args...); r.code != 0 {
			t.Errorf("%v: exit %d, stderr:\n%s", args, r.code, r.stderr)
		}
	}
	// A merge keeps the file stable: the same runs give the same bytes.
	b1, _ := os.ReadFile(both)
	again := filepath.Join(dir, "again.json")
	if r := cli(t, "", nil, "", "learn", "--merge", both, "--oci", again, "--", "true"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b2, _ := os.ReadFile(again); !bytes.Equal(b1, b2) {
		t.Errorf("merging a run that adds nothing changed the profile:\n%s\nvs\n%s", b1, b2)
	}
}

func TestLearnBadInput(t *testing.T) {
	dir := t.TempDir()
	notAllow := writePolicy(t, dir, "tracer.lua", `return {description = "x", rules = function(rule) rule:trace("openat", 0) end}`)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"learn"}, 2, "sctrace-lua learn: no command given"},
		{[]string{"learn", "--bogus", "--", "true"}, 2, "sctrace-lua learn: unknown option --bogus"},
		{[]string{"learn", "--merge", notAllow, "--", "true"}, 2, "is not an allow-list"},
		{[]string{"learn", "--merge", bad, "--", "true"}, 2, "sctrace-lua learn: --merge: " + bad + ":1: malformed JSON: unexpected end of JSON input"},
		{[]string{"learn", "--merge", filepath.Join(dir, "none.json"), "--", "true"}, 2, "no such file or directory"},
		{[]string{"learn", "-o", filepath.Join(dir, "x.lua"), "--", filepath.Join(dir, "no-such-command")}, 127, "did not start (exit status 127): nothing written"},
		{[]string{"learn", "-o", filepath.Join(dir, "nodir", "x.lua"), "--", "true"}, 1, "cannot write " + filepath.Join(dir, "nodir", "x.lua")},
	} {
		r := cli(t, "", nil, "", c.args...)
		last := strings.TrimSpace(r.stderr)
		if i := strings.LastIndexByte(last, '\n'); i >= 0 && c.code != 127 {
			last = last[i+1:]
		}
		if r.code != c.code || !strings.Contains(last, c.want) {
			t.Errorf("%v: exit %d, want %d with %q; stderr:\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.lua")); err == nil {
		t.Error("a policy was written for a command that never ran")
	}
}
