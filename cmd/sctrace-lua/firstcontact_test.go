package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/scripts"
)

// installed runs `make install DESTDIR=…` from the repository and returns
// the bin directory it filled. The directories are 0755 so that uid 65534
// can run the binary too.
func installed(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	dest, err := os.MkdirTemp("", "sctrace-lua-install-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dest) })
	os.Chmod(dest, 0o755)
	out, err := exec.Command("make", "-C", filepath.Join("..", ".."), "install", "DESTDIR="+dest).CombinedOutput()
	if err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	bin := filepath.Join(dest, "usr", "local", "bin")
	if _, err := os.Stat(filepath.Join(bin, "sctrace-lua")); err != nil {
		t.Fatalf("make install put no sctrace-lua in %s: %v", bin, err)
	}
	return bin
}

// emptyDir is a fresh 0755 working directory with nothing in it.
func emptyDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sctrace-lua-cwd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	os.Chmod(d, 0o755)
	return d
}

// onPath runs a shell command line with the installed binary first on
// PATH, from dir: "sctrace-lua" is found as a user would find it.
func onPath(t *testing.T, bin, dir, stdin string, cred *syscall.Credential, line string) result {
	t.Helper()
	return cliIn(t, cliPlace{dir: dir, env: []string{"PATH=" + bin + ":" + os.Getenv("PATH")}}, stdin, cred, "/bin/sh", "-c", line)
}

// After `make install`, the shipped scripts run by name from a directory
// with no scripts in it, as root and as uid 65534; a local file of the
// same name comes first; --verbose says which one ran.
func TestInstalledScriptsRunFromAnywhere(t *testing.T) {
	needBash(t)
	bin := installed(t)
	dir := emptyDir(t)
	status := regexp.MustCompile(`(?m)^#<Process::Status: pid=\d+,exited\(5\)>$`)

	for _, cred := range []*syscall.Credential{nil, {Uid: 65534, Gid: 65534}} {
		r := onPath(t, bin, dir, "exit 5\n", cred, "sctrace-lua sample-sh.lua")
		if r.code != 5 || !status.MatchString(r.stdout) {
			t.Errorf("sample-sh.lua (cred %v): exit %d, want 5 with the status line; stdout:\n%s\nstderr:\n%s", cred, r.code, r.stdout, r.stderr)
		}
	}

	r := onPath(t, bin, dir, "exit 5\n", nil, "sctrace-lua --verbose sample-sh.lua")
	if r.code != 5 || !strings.Contains(r.stderr, "sctrace-lua: running the shipped script sample-sh.lua (no file sample-sh.lua here)") {
		t.Errorf("--verbose shipped: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	port, accepted := listener(t)
	r = onPath(t, bin, dir, "", nil, fmt.Sprintf(
		`sctrace-lua count-connect-kill.lua 2 bash -c 'for i in 1 2 3 4; do (exec 3<>/dev/tcp/127.0.0.1/%d); done; sleep 30'`, port))
	if r.code != 137 || accepted() != 2 || !strings.Contains(r.stdout, "connect #3") || !strings.Contains(r.stdout, "killing the tree") {
		t.Errorf("count-connect-kill.lua 2: exit %d (want 137), %d connections arrived (want 2); stdout:\n%s\nstderr:\n%s",
			r.code, accepted(), r.stdout, r.stderr)
	}

	local := filepath.Join(dir, "sample-sh.lua")
	if err := os.WriteFile(local, []byte("print('the local sample-sh.lua ran: ' .. (arg[1] or ''))\nos.exit(7)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = onPath(t, bin, dir, "", nil, "sctrace-lua --verbose sample-sh.lua x")
	if r.code != 7 || strings.TrimSpace(r.stdout) != "the local sample-sh.lua ran: x" ||
		!strings.Contains(r.stderr, "sctrace-lua: running the file sample-sh.lua") {
		t.Errorf("local file first: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// --list (and the word "scripts") names every shipped file meant to be
// run, each with a one-line summary, and --help points to it.
func TestListNamesEveryShippedScript(t *testing.T) {
	r := cli(t, "", nil, "", "--list")
	if r.code != 0 {
		t.Fatalf("--list: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if again := cli(t, "", nil, "", "scripts"); again.stdout != r.stdout || again.code != 0 {
		t.Errorf("`scripts` differs from --list:\n%s", again.stdout)
	}
	// The files on disk, not the embedded copy: a script added to scripts/
	// but not embedded would be missed by a test of the embed alone.
	var want []string
	for _, pattern := range []string{"*.lua", "policies/*.lua"} {
		files, _ := filepath.Glob(filepath.Join(scriptsDir, pattern))
		for _, f := range files {
			name := filepath.Base(f)
			if strings.HasPrefix(pattern, "policies/") {
				name = strings.TrimSuffix(name, ".lua")
			}
			if sub := strings.TrimSuffix(name, ".lua"); subcommands[sub] == name {
				name = sub
			}
			want = append(want, name)
		}
	}
	if len(want) < 8 {
		t.Fatalf("found only %v under %s", want, scriptsDir)
	}
	for _, name := range want {
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` +(\S.*)$`).FindStringSubmatch(r.stdout)
		if line == nil {
			t.Errorf("--list does not name %s (or gives it no summary):\n%s", name, r.stdout)
		}
	}
	embedded, _ := fs.Glob(scripts.FS, "*.lua")
	if len(embedded) == 0 {
		t.Error("no scripts embedded")
	}
	h := cli(t, "", nil, "", "--help")
	if !strings.Contains(h.stdout, "sctrace-lua --list") {
		t.Errorf("--help does not point to --list:\n%s", h.stdout)
	}
}

// A word that is neither a subcommand, a file nor a shipped script is a
// usage error that suggests the nearest name; a missing NAME.lua is
// "cannot open" (as lua says it), with a suggestion when one is close;
// explain without arguments is a usage error on stderr.
func TestUnknownWordsSuggest(t *testing.T) {
	dir := emptyDir(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"trce"}, 2, `sctrace-lua: "trce" is not a subcommand, a file here, or a shipped script (did you mean trace?); see sctrace-lua --list`},
		{[]string{"expalin", "deny-network"}, 2, "(did you mean explain?)"},
		{[]string{"dmo"}, 2, "(did you mean demo.lua?)"},
		{[]string{"zzzzzzzz"}, 2, `sctrace-lua: "zzzzzzzz" is not a subcommand, a file here, or a shipped script; see sctrace-lua --list`},
		{[]string{"samplesh.lua"}, 1, "sctrace-lua: cannot open samplesh.lua: no such file or directory (did you mean sample-sh.lua?)"},
		{[]string{"explain"}, 2, "usage: sctrace-lua explain SCRIPT.lua"},
	} {
		r := cliIn(t, cliPlace{dir: dir}, "", nil, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr:\n%s\nwant it to contain %q", c.args, r.code, c.code, r.stdout, r.stderr, c.want)
		}
		if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); c.code == 2 && c.args[0] != "explain" && lines != 0 {
			t.Errorf("%v: %d lines on stderr, want one:\n%s", c.args, lines+1, r.stderr)
		}
	}
}
