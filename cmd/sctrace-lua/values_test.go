package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// call.args and ret as the syscall's signature types them, on registers a
// C caller really leaves (testdata/c/values.c): ints sign-extended from 32
// bits whatever the upper half holds, unsigned and pointer values unsigned,
// values beyond 2^53 as call:arg's "0x…" string; call:arg stays the raw
// register.
func TestTypedValues(t *testing.T) {
	bin := buildC(t, "values")
	r := cli(t, "", nil, "", filepath.Join(testdata, "values.lua"), bin)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var traced []string
	printed := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.Fields(l); len(f) == 2 && (f[0] == "fd" || f[0] == "mmap" || f[0] == "uid") {
			printed[f[0]] = f[1]
			continue
		}
		traced = append(traced, l)
	}
	want := []string{
		"openat\t-100\t0xdeadbeefffffff9c\ttrue\t0\ttrue",
		"openat returned\t" + printed["fd"] + "\tnumber",
		"close\t-1\t0xffffffffffffffff",
		"close returned\t-9\tnumber",
		"lseek\t\"0x7000000000000001\"\ttrue\t0",
		"lseek returned\t0\tnumber",
		"mmap\t0\t4096\t-1\t0xffffffff",
		"mmap returned\t" + printed["mmap"] + "\tnumber",
		"setresuid\t4294967295\t4294967295\t4294967295",
		"setresuid returned\t0\tnumber",
		"getuid returned\t" + strconv.Itoa(os.Getuid()) + "\tnumber",
		"0",
	}
	if got := strings.Join(traced, "\n"); got != strings.Join(want, "\n") || len(printed) != 3 || printed["uid"] != "7" {
		t.Errorf("output:\n%s\nwant:\n%s\nprinted by the program: %v", r.stdout, strings.Join(want, "\n"), printed)
	}
	if !regexp.MustCompile(`^[1-9][0-9]+$`).MatchString(printed["mmap"]) {
		t.Errorf("mmap address %q", printed["mmap"])
	}
}

// readonly-fs resolves a relative path against the cwd (the kernel does,
// for Landlock): writes inside the allowed set work, outside they fail.
func TestReadonlyFsRelativePaths(t *testing.T) {
	needBash(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ok", "sub"), 0o755) // a Landlock rule needs an existing directory
	r := cli(t, "", nil, "", "run", "-p", "readonly-fs:allow="+dir+"/ok", "--", "bash", "-c",
		`cd `+dir+`/ok && echo a > f && echo inside; echo b > sub/../g && echo dotdot;`+
			` echo c > ../no 2>/dev/null || echo outside=$?; cat f g`)
	if _, err := os.Stat(filepath.Join(dir, "no")); err == nil {
		t.Errorf("%s/no was created", dir)
	}
	if r.code != 0 || r.stdout != "inside\ndotdot\noutside=1\na\nb\n" {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
