package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Tests of trace -k (engine/unwind through engine/strace). The oracle is
// strace -k (6.1, built with libunwind on the reference machine): stack
// lines carry file offsets, not addresses, so they compare exactly.

const stackProg = `#include <unistd.h>
__attribute__((noinline)) int g(int n) { int r = write(1, "hi\n", n); __asm__ volatile(""); return r + 1; }
__attribute__((noinline)) int f(int n) { int r = g(n); __asm__ volatile(""); return r * 2; }
int main(void) { return f(3) == 8 ? 0 : 1; }
`

func buildStackProg(t *testing.T, flags ...string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fg.c")
	if err := os.WriteFile(src, []byte(stackProg), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fg")
	if b, err := exec.Command(cc, append(flags, "-o", bin, src)...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", flags, err, b)
	}
	return bin
}

// stackOf is the frame lines after the first line starting with call.
func stackOf(trace, call string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(trace, "\n") {
		switch {
		case strings.HasPrefix(l, " > "):
			if in {
				out = append(out, l)
			}
		case in:
			return out
		case strings.HasPrefix(l, call):
			in = true
		}
	}
	return out
}

// write from g from f from main, at -O0 and at -O2 -fomit-frame-pointer:
// the frames name write, g, f, main and libc's start code in order; with
// strace installed the whole trace (lines and frames, exit_group's printed
// after "+++ exited") is strace's, byte for byte.
func TestTraceStackTraces(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("frames compared on x86-64")
	}
	for _, flags := range [][]string{{"-O0"}, {"-O2", "-fomit-frame-pointer"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			bin := buildStackProg(t, flags...)
			args := []string{"-k", "-e", "trace=write,exit_group", bin}
			ours, r := runTrace(t, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			frames := stackOf(ours, "write(")
			want := []string{"write+", "/fg(g+", "/fg(f+", "/fg(main+", "(__libc_start_main+", "/fg(_start+"}
			i := 0
			for _, fr := range frames {
				if i < len(want) && strings.Contains(fr, want[i]) {
					i++
				}
			}
			if i < len(want) {
				t.Errorf("write's frames lack %q (in order):\n%s", want[i:], ours)
			}
			if len(stackOf(ours, "+++ exited")) == 0 {
				t.Errorf("no frames for exit_group after +++ exited:\n%s", ours)
			}
			if _, err := exec.LookPath("strace"); err != nil {
				t.Skip("strace not installed: frames not compared")
			}
			theirs, _ := runStrace(t, args...)
			if theirs != ours {
				t.Errorf("trace -k differs from strace -k\nstrace:\n%s\nsctrace-lua:\n%s", theirs, ours)
			}
		})
	}
}

// A real program's every call: ls's frames (through ld.so, libc and ls,
// stripped files named by .dynsym) are strace's, in order.
func TestTraceStackTracesLs(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("frames compared on x86-64")
	}
	needStrace(t)
	ls, err := exec.LookPath("ls")
	if err != nil {
		t.Skip("no ls")
	}
	args := []string{"-k", ls, "-l", traceData}
	ours, _ := runTrace(t, args...)
	theirs, _ := runStrace(t, args...)
	frames := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, " > ") {
				out = append(out, l)
			}
		}
		return out
	}
	o, s := frames(ours), frames(theirs)
	if len(o) < 100 {
		t.Fatalf("only %d frame lines:\n%s", len(o), ours)
	}
	if strings.Join(o, "\n") != strings.Join(s, "\n") {
		n := 0
		for n < len(o) && n < len(s) && o[n] == s[n] {
			n++
		}
		t.Errorf("frames differ from strace -k from line %d (%d vs %d lines)\nstrace:\n%s\nsctrace-lua:\n%s",
			n, len(s), len(o), theirs, ours)
	}
}

func TestTraceStackTracesOptions(t *testing.T) {
	r := cli(t, "", nil, "", "trace", "-k", "--json", "--", "true")
	if r.code != 2 || !strings.Contains(r.stderr, "-k and --json cannot be combined") {
		t.Errorf("-k --json: exit %d, %q", r.code, r.stderr)
	}
	r = cli(t, "", nil, "", "trace", "--stack-traces", "-c", "-o", filepath.Join(t.TempDir(), "out"), "--", "true")
	if r.code != 0 {
		t.Errorf("--stack-traces -c: exit %d, %q", r.code, r.stderr)
	}
}
