package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loopScript traces mkdir in a shell that also has a sleeping child, and
// loops forever in the callback after touching marker.
func loopScript(marker, body string) string {
	return fmt.Sprintf(`
local pid = Process.fork(function()
  local c = Seccomp.new({default = "allow"}, function(r) r:trace("mkdir", 0) end)
  c:load()
  exec("/bin/sh", "-c", "sleep 60 & mkdir /nonexistent/never; wait")
end)
Seccomp.start_trace(pid, function()
  io.open(%q, "w"):close()
  %s
end)`, marker, body)
}

// A callback that loops forever is interrupted by --callback-timeout, by
// the memory limit, and by Ctrl-C; each time the error names the script
// line and the traced tree (a sleeping child too) is killed.
func TestCallbackGuards(t *testing.T) {
	dir := t.TempDir()
	spin := `local t = {} while true do t[#t % 100 + 1] = 1 end`
	r := cli(t, "", nil, "", "--callback-timeout", "300ms", "-e", loopScript(filepath.Join(dir, "m1"), spin))
	if r.code != 1 || !strings.Contains(r.stderr, "(command line):9: callback timed out after 300ms") ||
		!strings.Contains(r.stderr, "(the traced processes were killed)") {
		t.Errorf("timeout: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	grow := `local t, i = {}, 0 while true do i = i + 1 t[i] = {i} end`
	r = cli(t, "", nil, "", "--memory-limit", "64", "-e", loopScript(filepath.Join(dir, "m2"), grow))
	if r.code != 1 || !strings.Contains(r.stderr, "(command line):9: callback exceeded the memory limit of 64 MiB") {
		t.Errorf("memory: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	marker := filepath.Join(dir, "m3")
	mark := fmt.Sprintf("%d-int", os.Getpid())
	cmd := exec.Command(os.Args[0], "-e", loopScript(marker, spin))
	cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"="+mark)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer assertNoLeftovers(t, mark)
	waitFor(t, "the callback to start", func() bool { _, err := os.Stat(marker); return err == nil })
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGINT did not interrupt the callback")
	}
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr.String(), "(command line):9: interrupted by the terminal (SIGINT)") {
		t.Errorf("SIGINT: exit %d, stderr:\n%s", cmd.ProcessState.ExitCode(), stderr.String())
	}
	for _, bad := range [][]string{{"--callback-timeout", "soon"}, {"--callback-timeout", "-1"}, {"--memory-limit", "0"}, {"--memory-limit"}} {
		r := cli(t, "", nil, "", append(bad, "-e", "print(1)")...)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
}

// run --sandbox: a policy gets no io, os.execute, os.remove, Process.fork,
// exec, debug, and no loadfile/dofile/require outside its directory; what
// it may do (rules, decisions, require next to it) still works.
func TestRunSandbox(t *testing.T) {
	dir := t.TempDir()
	refused := map[string]string{
		`io.open("/etc/passwd")`:        "io (files)",
		`os.execute("id")`:              "os.execute",
		`os.remove("/tmp/x")`:           "os.remove",
		`os.exit(0)`:                    "os.exit",
		`Process.fork(function() end)`:  "Process.fork",
		`exec("/bin/true")`:             "exec",
		`debug.getinfo(1)`:              "debug",
		`loadfile("/etc/passwd")`:       "loading /etc/passwd (outside " + dir + ")",
		`dofile("../escape.lua")`:       "loading ../escape.lua (outside " + dir + ")",
		`getmetatable("").__index`:      "getmetatable of a string",
		`Seccomp.start_trace(1, print)`: "Seccomp.start_trace",
		`getfenv(0)`:                    "getfenv",
		`package.path`:                  "package",
		`require("sctrace.policy")`:     "sandbox: module sctrace.policy not found in " + dir,
	}
	for body, want := range refused {
		p := writePolicy(t, dir, "p", fmt.Sprintf("local x = %s\nreturn {description = \"d\", rules = function(r) r:trace(\"mkdir\", 0) end}\n", body))
		r := cli(t, "", nil, "", "run", "--sandbox", "-p", p, "--", "true")
		if r.code != 2 || !strings.Contains(r.stderr, p+":1: ") || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant %q", body, r.code, r.stderr, want)
		}
	}
	writePolicy(t, dir, "helper", `return {errno = "EPERM"}`)
	p := writePolicy(t, dir, "ok", `local h = require("helper")
return {description = "d", rules = function(r) r:trace("mkdir", 0) end,
  on_syscall = function(call, opts) return {"errno", h.errno} end}`)
	r := cli(t, "", nil, "", "run", "--sandbox", "-p", p, "--", "mkdir", filepath.Join(dir, "x"))
	if r.code != 1 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("allowed policy: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = cli(t, "", nil, "", "run", "--sandbox", "-p", "deny-network", "--", "true")
	if r.code != 2 || !strings.Contains(r.stderr, "--sandbox takes policy files") {
		t.Errorf("module name under --sandbox: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
