package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
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
			// With a hex dump (-e write=1) the frames follow the dump.
			dump := append([]string{"-e", "write=1"}, args...)
			ours, _ = runTrace(t, dump...)
			theirs, _ = runStrace(t, dump...)
			if theirs != ours || !strings.Contains(ours, "hi.") {
				t.Errorf("trace -k -e write=1 differs from strace\nstrace:\n%s\nsctrace-lua:\n%s", theirs, ours)
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

// A hostile tracee controls its stack: it makes write calls with rsp and
// rbp pointing at a cycle of frames, at unmapped memory, and at return
// addresses into its data. trace -k must end every walk (at most 256
// frames and one error line), print every call, and leave the program
// unharmed.
const hostileStackProg = `#include <stdio.h>
const char hmsg[] = "hi\n";
unsigned long buf[4096];
__attribute__((noinline)) long hostile_write(unsigned long sp, unsigned long fp) {
	long ret;
	__asm__ volatile(
		"mov %%rsp, %%r12\n\t"
		"mov %%rbp, %%r13\n\t"
		"mov %[sp], %%rsp\n\t"
		"mov %[fp], %%rbp\n\t"
		"mov $1, %%eax\n\t"
		"mov $1, %%edi\n\t"
		"lea hmsg(%%rip), %%rsi\n\t"
		"mov $3, %%edx\n\t"
		"syscall\n\t"
		"mov %%r12, %%rsp\n\t"
		"mov %%r13, %%rbp\n\t"
		: "=&a"(ret) : [sp]"r"(sp), [fp]"r"(fp)
		: "rdi", "rsi", "rdx", "rcx", "r11", "r12", "r13", "memory");
	return ret;
}
int main(void) {
	for (int i = 0; i < 4096; i += 2) {
		buf[i] = (unsigned long)&buf[(i + 2) % 4096];
		buf[i + 1] = (unsigned long)hostile_write + 60;
	}
	long a = hostile_write((unsigned long)&buf[0], (unsigned long)&buf[0]);
	long b = hostile_write(0x1000, 0x2000);
	buf[101] = (unsigned long)&buf[0];
	long c = hostile_write((unsigned long)&buf[100], (unsigned long)&buf[100]);
	return a == 3 && b == 3 && c == 3 ? 0 : 1;
}
`

func TestTraceStackTracesHostile(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the hostile program is x86-64 assembly")
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "hostile.c"), filepath.Join(dir, "hostile")
	os.WriteFile(src, []byte(hostileStackProg), 0o644)
	if b, err := exec.Command(cc, "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	out, r := runTrace(t, "-k", "-e", "trace=write", bin)
	if r.code != 0 || r.stdout != "hi\nhi\nhi\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	var calls int
	var frames [][]string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "write(1, \"hi\\n\", 3)"):
			calls++
			frames = append(frames, nil)
		case strings.HasPrefix(l, " > ") && len(frames) > 0:
			frames[len(frames)-1] = append(frames[len(frames)-1], l)
		}
	}
	if calls != 3 {
		t.Fatalf("%d write lines, want 3:\n%s", calls, out)
	}
	for i, fr := range frames {
		if len(fr) == 0 || len(fr) > 257 || !strings.Contains(fr[0], "(hostile_write+") {
			t.Errorf("call %d: %d frame lines, first %q", i, len(fr), fr)
		}
	}
	last := frames[2][len(frames[2])-1]
	if !strings.HasPrefix(last, " > unexpected_backtracing_error [0x") {
		t.Errorf("return address into data: last frame line %q, want unexpected_backtracing_error", last)
	}
	// strace -k (libunwind) ends the same walks the same way; only the
	// absolute address of the error line differs (ASLR).
	if _, err := exec.LookPath("strace"); err != nil {
		return
	}
	theirs, _ := runStrace(t, "-k", "-e", "trace=write", bin)
	if a, b := addrRe.ReplaceAllString(theirs, "ADDR"), addrRe.ReplaceAllString(out, "ADDR"); a != b {
		t.Errorf("differs from strace -k:\nstrace:\n%s\nsctrace-lua:\n%s", a, b)
	}
}

// -k as uid 65534: the unwinder reads /proc/PID/maps and the mapped files
// with the tracer's own rights.
func TestTraceStackTracesUnprivileged(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir, err := os.MkdirTemp("", "sctrace-lua-stack-unpriv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	exe := os.Args[0]
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		exe = filepath.Join(dir, "sctrace-lua.test")
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	src, bin := filepath.Join(dir, "fg.c"), filepath.Join(dir, "fg")
	os.WriteFile(src, []byte(stackProg), 0o644)
	if b, err := exec.Command(cc, "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	os.Chmod(bin, 0o755)
	r := cli(t, "", cred, exe, "trace", "-k", "-e", "trace=write", bin)
	frames := strings.Join(stackOf(r.stderr, "write("), "\n")
	if r.code != 0 || !strings.Contains(frames, "/fg(g+") || !strings.Contains(frames, "/fg(f+") || !strings.Contains(frames, "/fg(main+") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// A hostile tracee deletes a library it has mapped and puts a FIFO at the
// path maps then shows ("PATH (deleted)"), then calls into the library:
// trace -k, as uid 65534 (no map_files), must neither block opening the
// FIFO nor name the frame from another file; the call and its frames
// print, the program exits.
func TestTraceStackTracesSwappedFile(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir, err := os.MkdirTemp("", "sctrace-lua-stack-fifo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	exe := os.Args[0]
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		exe = filepath.Join(dir, "sctrace-lua.test")
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	lib := filepath.Join(dir, "libswap.so")
	libSrc := filepath.Join(dir, "swap.c")
	os.WriteFile(libSrc, []byte("#include <unistd.h>\n__attribute__((noinline)) int in_swap(void) { int r = write(1, \"lib\\n\", 4); __asm__ volatile(\"\"); return r; }\n"), 0o644)
	if b, err := exec.Command(cc, "-O1", "-shared", "-fPIC", "-o", lib, libSrc).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	prog := `#include <dlfcn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) return 2;
	int (*f)(void) = (int (*)(void))dlsym(h, "in_swap");
	char shown[4096];
	snprintf(shown, sizeof shown, "%s (deleted)", argv[1]); /* what maps will show */
	if (unlink(argv[1]) != 0 || mkfifo(shown, 0666) != 0) return 3;
	return f() == 4 ? 0 : 1;
}
`
	src, bin := filepath.Join(dir, "swapper.c"), filepath.Join(dir, "swapper")
	os.WriteFile(src, []byte(prog), 0o644)
	if b, err := exec.Command(cc, "-O0", "-o", bin, src, "-ldl").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	os.Chmod(bin, 0o755)
	os.Chmod(lib, 0o755)
	r := cli(t, "", cred, exe, "trace", "-k", "-e", "trace=write", bin, lib)
	frames := stackOf(r.stderr, "write(1, \"lib\\n\", 4)")
	if r.code != 0 || r.stdout != "lib\n" || len(frames) < 3 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if want := " > " + lib + " (deleted)() ["; !strings.HasPrefix(frames[1], want) {
		t.Errorf("frame in the swapped library: %q, want %q...", frames[1], want)
	}
	// Without the library's CFI the walk goes on by frame pointers (it
	// skips main, whose frame the library's code did not chain).
	if last := frames[len(frames)-1]; !strings.Contains(last, "/swapper(_start+") {
		t.Errorf("walk ends at %q, want _start:\n%s", last, strings.Join(frames, "\n"))
	}
}
