package unwind

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The program of the walk tests: write is called from g, g from f, f from
// main; each call's result is used afterwards, so -O2 makes no tail calls.
const fgMain = `#include <unistd.h>
__attribute__((noinline)) int g(int n) { int r = write(1, "hi\n", n); __asm__ volatile(""); return r + 1; }
__attribute__((noinline)) int f(int n) { int r = g(n); __asm__ volatile(""); return r * 2; }
int main(void) { return f(3) == 8 ? 0 : 1; }
`

func buildC(t testing.TB, flags ...string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fg.c")
	if err := os.WriteFile(src, []byte(fgMain), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fg"+strings.Join(flags, ""))
	if out, err := exec.Command(cc, append(flags, "-o", bin, src)...).CombinedOutput(); err != nil {
		if flags[len(flags)-1] == "-static" {
			t.Skipf("no static libc: %s", out)
		}
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

type procMem int

func (p procMem) ReadMemory(addr uint64, b []byte) (int, error) {
	local := []unix.Iovec{{Base: &b[0], Len: uint64(len(b))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(b)}}
	return unix.ProcessVMReadv(int(p), local, remote, 0)
}

// stopAtWrite starts bin under ptrace and runs it to the entry of its
// first write(2); it returns the pid and the registers there. The thread
// stays locked: ptrace requests must come from it.
func stopAtWrite(t testing.TB, bin string) (int, unix.PtraceRegs) {
	t.Helper()
	runtime.LockOSThread()
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &unix.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		unix.Kill(pid, unix.SIGKILL)
		cmd.Wait()
		runtime.UnlockOSThread()
	})
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || !ws.Stopped() {
		t.Fatalf("waiting for the exec stop: %v %v", err, ws)
	}
	for i := 0; i < 10000; i++ {
		if err := unix.PtraceSyscall(pid, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || !ws.Stopped() {
			t.Fatalf("waiting: %v %v", err, ws)
		}
		var r unix.PtraceRegs
		if err := unix.PtraceGetRegs(pid, &r); err != nil {
			t.Fatal(err)
		}
		if r.Orig_rax == unix.SYS_WRITE {
			return pid, r // the first stop of a call is its entry
		}
	}
	t.Fatal("no write")
	return 0, unix.PtraceRegs{}
}

func formatFrames(frames []Frame) []string {
	var out []string
	for _, f := range frames {
		if f.Symbol == "" {
			out = append(out, fmt.Sprintf(" > %s() [%#x]", f.File, f.Offset))
		} else {
			out = append(out, fmt.Sprintf(" > %s(%s+%#x) [%#x]", f.File, f.Symbol, f.SymOff, f.Offset))
		}
	}
	return out
}

// straceFrames is what strace -k prints for bin's write, if strace is
// installed and has -k.
func straceFrames(t *testing.T, bin string) []string {
	strace, err := exec.LookPath("strace")
	if err != nil {
		return nil
	}
	out := filepath.Join(t.TempDir(), "strace.out")
	if err := exec.Command(strace, "-k", "-e", "trace=write", "-o", out, bin).Run(); err != nil {
		return nil
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil
	}
	var frames []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, " > ") {
			frames = append(frames, l)
		}
	}
	return frames
}

// Unwinding from write's entry in a C program at -O0 (frame pointers) and
// -O2 -fomit-frame-pointer (CFI only) finds g, f, main and libc's start
// code in order and ends cleanly at _start; where strace -k works, every
// frame line is the one it prints.
func TestWalkFGMain(t *testing.T) {
	for _, flags := range [][]string{{"-O0"}, {"-O2", "-fomit-frame-pointer"}, {"-O2", "-static"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			static := flags[len(flags)-1] == "-static"
			bin := buildC(t, flags...)
			pid, r := stopAtWrite(t, bin)
			u := New()
			frames, err := u.Unwind(pid, FromPtrace(&r), procMem(pid))
			if err != nil {
				t.Errorf("walk ended with %v", err)
			}
			got := formatFrames(frames)
			var names []string
			for _, f := range frames {
				names = append(names, f.Symbol)
			}
			want := []string{"g", "f", "main", "__libc_start_main", "_start"}
			if static {
				// libc's own .symtab names its start code;
				// strace's libunwind stops after one frame in
				// static binaries, so it is no oracle here.
				want = []string{"g", "f", "main", "__libc_start_call_main", "__libc_start_main_impl", "_start"}
			}
			i := 0
			for _, n := range names {
				if i < len(want) && n == want[i] {
					i++
				}
			}
			if i < len(want) || !strings.HasSuffix(names[0], "write") || frames[1].File != bin {
				t.Errorf("frames %q: want a *write frame, then %q in order\n%s", names, want, strings.Join(got, "\n"))
			}
			if names[len(names)-1] != "_start" {
				t.Errorf("last frame %q, want _start", names[len(names)-1])
			}
			if static {
				return
			}
			if want := straceFrames(t, bin); want != nil {
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("frames differ from strace -k:\nours:\n%s\nstrace:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			} else {
				t.Log("strace -k not available: frames not compared")
			}
			// A second walk uses the caches and gives the same frames.
			again, _ := u.Unwind(pid, FromPtrace(&r), procMem(pid))
			if strings.Join(formatFrames(again), "\n") != strings.Join(got, "\n") {
				t.Error("second walk differs")
			}
		})
	}
}

// A hostile stack: the walk stops where the frames lead nowhere, with
// bounded frames and no panic.
func TestWalkCorruptStack(t *testing.T) {
	bin := buildC(t, "-O0")
	pid, r := stopAtWrite(t, bin)
	u := New()
	for _, c := range []struct {
		name string
		mod  func(*unix.PtraceRegs)
	}{
		{"sp unmapped", func(r *unix.PtraceRegs) { r.Rsp = 0x10 }},
		{"sp and fp garbage", func(r *unix.PtraceRegs) { r.Rsp, r.Rbp = 0xdeadbeef0, 0xdeadbeef8 }},
		{"pc unmapped", func(r *unix.PtraceRegs) { r.Rip = 0x1000 }},
		{"pc in the stack", func(r *unix.PtraceRegs) { r.Rip = r.Rsp }},
	} {
		rr := r
		c.mod(&rr)
		frames, err := u.Unwind(pid, FromPtrace(&rr), procMem(pid))
		if err == nil && len(frames) > 1 {
			t.Errorf("%s: %d frames, no error", c.name, len(frames))
		}
		if len(frames) > MaxFrames {
			t.Errorf("%s: %d frames", c.name, len(frames))
		}
	}
	// An endless chain of frames, each g called from g (crafted memory
	// consistent with g's CFI: CFA = rbp+16): the walk stops at MaxFrames.
	good, _ := u.Unwind(pid, FromPtrace(&r), procMem(pid))
	if len(good) < 2 {
		t.Fatal("no frame in g")
	}
	rr := r
	rr.Rip, rr.Rbp = good[1].PC, 0x7f0000000000
	rr.Rsp = rr.Rbp - 8
	frames, err := u.Unwind(pid, FromPtrace(&rr), chainMem{ret: good[1].PC})
	if err != ErrTooManyFrames || len(frames) != MaxFrames {
		t.Errorf("endless chain: %d frames, %v", len(frames), err)
	}
}

// chainMem: at every 16-byte boundary x a saved frame pointer x+16, and
// above it the return address ret.
type chainMem struct{ ret uint64 }

func (m chainMem) ReadMemory(addr uint64, b []byte) (int, error) {
	for i := range b {
		a := addr + uint64(i)
		v := a&^15 + 16
		if a&8 != 0 {
			v = m.ret
		}
		b[i] = byte(v >> (8 * (a & 7)))
	}
	return len(b), nil
}

// BenchmarkUnwind: one walk from write's entry to _start with warm caches
// (files parsed, maps read), as trace -k does for each call.
func BenchmarkUnwind(b *testing.B) {
	bin := buildC(b, "-O2")
	pid, r := stopAtWrite(b, bin)
	u := New()
	regs := FromPtrace(&r)
	if _, err := u.Unwind(pid, regs, procMem(pid)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.Unwind(pid, regs, procMem(pid))
	}
}

// The maps cache follows the process: a library loaded after the first
// walk is found (its address is outside the known mappings), and one
// unmapped and replaced by another at the same address is not mistaken
// for it once Invalidate is called, as trace -k does after munmap/mmap.
func TestWalkMapsChange(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	for _, lib := range []string{"one", "two"} {
		src := filepath.Join(dir, lib+".c")
		code := "#include <unistd.h>\n__attribute__((noinline)) int in_" + lib + "(void) { int r = write(1, \"" + lib + "\\n\", 4); __asm__ volatile(\"\"); return r; }\n"
		os.WriteFile(src, []byte(code), 0o644)
		if out, err := exec.Command(cc, "-O1", "-shared", "-fPIC", "-o", filepath.Join(dir, "lib"+lib+".so"), src).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
	}
	main := `#include <dlfcn.h>
#include <unistd.h>
static void call(const char *path, const char *fn) {
	void *h = dlopen(path, RTLD_NOW);
	if (!h) _exit(2);
	int (*f)(void) = (int (*)(void))dlsym(h, fn);
	f();
	dlclose(h);
}
int main(int argc, char **argv) {
	write(1, "start\n", 6);
	call(argv[1], "in_one");
	call(argv[2], "in_two");
	return 0;
}
`
	src, bin := filepath.Join(dir, "main.c"), filepath.Join(dir, "main")
	os.WriteFile(src, []byte(main), 0o644)
	if out, err := exec.Command(cc, "-O0", "-o", bin, src, "-ldl").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(bin, filepath.Join(dir, "libone.so"), filepath.Join(dir, "libtwo.so"))
	cmd.SysProcAttr = &unix.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer func() { unix.Kill(pid, unix.SIGKILL); cmd.Wait() }()
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	u := New()
	var got []string
	entry := true
	for len(got) < 3 {
		if err := unix.PtraceSyscall(pid, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || !ws.Stopped() {
			t.Fatalf("waiting: %v %v (walks so far %q)", err, ws, got)
		}
		var r unix.PtraceRegs
		if err := unix.PtraceGetRegs(pid, &r); err != nil {
			t.Fatal(err)
		}
		if entry {
			switch r.Orig_rax {
			case unix.SYS_WRITE:
				frames, _ := u.Unwind(pid, FromPtrace(&r), procMem(pid))
				if len(frames) < 2 {
					t.Fatalf("write: %d frames", len(frames))
				}
				got = append(got, frames[1].File+" "+frames[1].Symbol)
			}
		} else if r.Orig_rax == unix.SYS_MUNMAP || r.Orig_rax == unix.SYS_MMAP || r.Orig_rax == unix.SYS_MPROTECT {
			u.Invalidate(pid)
		}
		entry = !entry
	}
	want := []string{bin + " main", filepath.Join(dir, "libone.so") + " in_one", filepath.Join(dir, "libtwo.so") + " in_two"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("callers of write:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
