package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checked-in tables are what the spec generates with this machine's
// libseccomp: edit syscalls.spec, then run go generate.
func TestGeneratedFilesUpToDate(t *testing.T) {
	out := t.TempDir()
	if err := run(filepath.Join("..", "..", "syscalls.spec"), out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ztypes.go", "zsyscalls_amd64.go", "zsyscalls_arm64.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./engine/decode", name)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	base := "classes %a\ntypes int fd buf(ref)\nflags f: A B\n"
	for _, c := range []struct{ spec, want string }{
		{"read(fd:nosuch) -> int", `unknown type or set "nosuch"`},
		{"read(fd:buf) -> int", "needs (ref)"},
		{"read(fd:int(x)) -> int", "takes no (ref)"},
		{"read(fd:buf(nope)) -> int", "not another argument"},
		{"read(fd:f(fd)) -> int", "a set type takes no (ref)"},
		{"read(fd:int) -> f", "unknown return type"},
		{"read(fd:int) -> int %b", "unknown class %b"},
		{"read(fd:int, fd:int) -> int", "argument fd twice"},
		{"read() -> int\nread() -> int @amd64", "declared twice"},
		{"read() -> int @sparc", "unknown architecture"},
		{"read(a:int, b:int, c:int, d:int, e:int, f:int, g:int) -> int", "at most 6"},
		{"flags g: X@vax", "unknown architecture"},
		{"flags g: X=", "empty value"},
		{"enum f: X", "clashes"},
		{"types x(y)", "bad type"},
		{"nonsense", "not a syscall line"},
	} {
		_, err := parseSpec(strings.NewReader(base + c.spec + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.spec, err, c.want)
		}
	}
	s, err := parseSpec(strings.NewReader(base + "read(fd:fd, b:buf(fd), c:f) -> int %a\nread2() -> int @arm64\n"))
	if err != nil || len(s.calls) != 2 || s.calls[0].params[1].ref != "fd" || s.calls[1].arch != "arm64" {
		t.Errorf("good spec: %v %+v", err, s)
	}
}
