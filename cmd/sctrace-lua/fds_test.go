package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// reportArg makes the test binary a command that reports what it got
// (TestMain): "fds" its descriptors, "args" its arguments.
const reportArg = "--sctrace-lua-test-report"

func reportCommand(mode string, args []string) int {
	switch mode {
	case "fds":
		d, err := os.Open("/proc/self/fd")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		own := int(d.Fd())
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// Only what came through execve: the Go runtime's own descriptors
		// (epoll, cgroup files) are close-on-exec, inherited ones are not.
		var fds []int
		for _, n := range names {
			fd, err := strconv.Atoi(n)
			if err != nil || fd == own {
				continue
			}
			if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && fl&unix.FD_CLOEXEC == 0 {
				fds = append(fds, fd)
			}
		}
		sort.Ints(fds)
		for _, fd := range fds {
			fmt.Printf("fd %d %s\n", fd, fdInfo(fd))
		}
	case "args":
		fmt.Printf("args %d %x\n", len(args), sha256.Sum256([]byte(strings.Join(args, "\x00"))))
	default:
		return 2
	}
	return 0
}

// fdInfo is a descriptor's position, status flags (without O_CLOEXEC,
// which is the descriptor's and not the open file's) and inode, from
// /proc/self/fdinfo.
func fdInfo(fd int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
	if err != nil {
		return "unreadable: " + err.Error()
	}
	var pos, flags, ino string
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "pos":
			pos = v
		case "flags":
			if f, err := strconv.ParseUint(v, 8, 64); err == nil {
				v = fmt.Sprintf("0%o", f&^unix.O_CLOEXEC)
			}
			flags = v
		case "ino":
			ino = v
		}
	}
	return fmt.Sprintf("pos=%s flags=%s ino=%s", pos, flags, ino)
}

// cliRaw runs the CLI with fds[n] as its descriptor n (stdout and stderr
// are captured; stdin is fds[0] or /dev/null). Unlike exec.Cmd's
// ExtraFiles this keeps O_NONBLOCK (os.File.Fd makes a file blocking).
func cliRaw(t *testing.T, cred *syscall.Credential, exe string, fds map[int]int, args ...string) result {
	t.Helper()
	if exe == "" {
		exe = os.Args[0]
	}
	var out, errp [2]int
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Pipe2(errp[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	// Every descriptor of this process is closed in the CLI but fds (those
	// it inherited from the test's runner too).
	top := 2
	for n := range fds {
		top = max(top, n)
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		for _, e := range ents {
			if n, err := strconv.Atoi(e.Name()); err == nil {
				top = max(top, n)
			}
		}
	}
	files := make([]uintptr, top+1)
	for i := range files {
		files[i] = ^uintptr(0) // closed
	}
	for n, fd := range fds {
		files[n] = uintptr(fd)
	}
	if _, ok := fds[0]; !ok {
		null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(null)
		files[0] = uintptr(null)
	}
	files[1], files[2] = uintptr(out[1]), uintptr(errp[1])
	mark := fmt.Sprintf("%d-%d", os.Getpid(), markSeq.Add(1))
	attr := &syscall.ProcAttr{
		Env:   append(os.Environ(), cliEnv+"=1", markEnv+"="+mark),
		Files: files,
	}
	if cred != nil {
		attr.Sys = &syscall.SysProcAttr{Credential: cred}
	}
	pid, err := syscall.ForkExec(exe, append([]string{exe}, args...), attr)
	unix.Close(out[1])
	unix.Close(errp[1])
	if err != nil {
		unix.Close(out[0])
		unix.Close(errp[0])
		t.Fatalf("starting %v: %v", args, err)
	}
	read := func(fd int) chan string {
		c := make(chan string, 1)
		go func() {
			f := os.NewFile(uintptr(fd), "pipe")
			b, _ := io.ReadAll(f)
			f.Close()
			c <- string(b)
		}()
		return c
	}
	stdout, stderr := read(out[0]), read(errp[0])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		<-ctx.Done()
		if ctx.Err() == context.DeadlineExceeded {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("%v timed out", args)
	}
	code := ws.ExitStatus()
	if ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	r := result{<-stdout, <-stderr, code}
	assertNoLeftovers(t, mark)
	return r
}

// openFds opens the descriptors the command must inherit: fds 3..9 and 200
// with different flags and offsets, stdin non-blocking.
func openFds(t *testing.T) map[int]int {
	t.Helper()
	dir := t.TempDir()
	fds := map[int]int{}
	open := func(n int, name string, flags int, seek int64) {
		fd, err := unix.Open(filepath.Join(dir, name), flags|unix.O_CLOEXEC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		if seek > 0 {
			if _, err := unix.Seek(fd, seek, io.SeekStart); err != nil {
				t.Fatal(err)
			}
		}
		fds[n] = fd
	}
	if err := os.WriteFile(filepath.Join(dir, "read"), []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(null) })
	fds[0] = null
	open(3, "append", unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND, 0)
	open(4, "read", unix.O_RDONLY, 5)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	fds[5] = p[1]
	open(6, "read", unix.O_RDWR, 3)
	open(7, "sync", unix.O_WRONLY|unix.O_CREAT|unix.O_SYNC, 0)
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(sp[0]); unix.Close(sp[1]) })
	fds[8] = sp[0]
	open(9, "nb", unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND|unix.O_NONBLOCK, 0)
	open(200, "high", unix.O_RDWR|unix.O_CREAT|unix.O_APPEND, 0)
	if _, err := unix.Write(fds[200], []byte("abcd")); err != nil {
		t.Fatal(err)
	}
	return fds
}

// The command's descriptors are the tracer's: every one the tracer was
// started with reaches the command with its number, flags and offset; none
// of the tracer's own (fork helper pipes, the -o log, the Go runtime's)
// does. For a script, run and trace, as root and as uid 65534.
func TestCommandInheritsFds(t *testing.T) {
	users := []struct {
		name string
		cred *syscall.Credential
	}{{"as is", nil}}
	if os.Getuid() == 0 {
		users = append(users, struct {
			name string
			cred *syscall.Credential
		}{"uid 65534", &syscall.Credential{Uid: 65534, Gid: 65534}})
	}
	for _, u := range users {
		t.Run(u.name, func(t *testing.T) {
			exe := os.Args[0]
			script, _ := filepath.Abs(filepath.Join(testdata, "exec_traced.lua"))
			if u.cred != nil {
				exe = nobodyExe(t)
				if !worldReadable(filepath.Dir(script)) {
					t.Skipf("%s is not reachable by uid 65534", script)
				}
			}
			command := []string{exe, reportArg, "fds"}
			modes := map[string][]string{
				"script": append([]string{script}, command...),
				"run":    append([]string{"run", "-p", "log-exec", "-o", "/dev/null", "--"}, command...),
				"trace":  append([]string{"trace", "-o", "/dev/null", "--"}, command...),
			}
			for _, mode := range []string{"script", "run", "trace"} {
				t.Run(mode, func(t *testing.T) {
					fds := openFds(t)
					var want []string
					for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200} {
						info := "(a pipe of the test)"
						if fd, ok := fds[n]; ok {
							info = fdInfo(fd)
						}
						want = append(want, fmt.Sprintf("fd %d %s", n, info))
					}
					r := cliRaw(t, u.cred, exe, fds, modes[mode]...)
					var got []string
					for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
						if !strings.HasPrefix(l, "fd ") {
							continue
						}
						if f := strings.Fields(l); f[1] == "1" || f[1] == "2" {
							l = "fd " + f[1] + " (a pipe of the test)"
						}
						got = append(got, l)
					}
					if r.code != 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("exit %d; the command's descriptors:\n%s\nwant:\n%s\nstderr:\n%s", r.code, strings.Join(got, "\n"), strings.Join(want, "\n"), r.stderr)
					}
				})
			}
		})
	}
}

// The case from the issue: a shell writing to fd 3 under trace.
func TestTraceShellWritesFd3(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	fd, err := unix.Open(f, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	r := cliRaw(t, nil, "", map[int]int{3: fd}, "trace", "-o", "/dev/null", "--", "/bin/sh", "-c", "echo hi >&3")
	if b, _ := os.ReadFile(f); r.code != 0 || string(b) != "hi\n" {
		t.Errorf("exit %d, file %q, stderr:\n%s", r.code, b, r.stderr)
	}
}

// A make under trace inside a parallel make keeps its jobserver (the fds
// named in MAKEFLAGS): no "jobserver unavailable" warning, and its two
// jobs run at the same time (each waits up to 10 s to see the other).
func TestJobserverMakeUnderTrace(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make not installed")
	}
	dir := t.TempDir()
	job := func(me, other string) string {
		return fmt.Sprintf("%s:\n\t@touch %s.started; i=0; while [ ! -e %s.started ] && [ $$i -lt 100 ]; do sleep 0.1; i=$$((i+1)); done; [ -e %s.started ] && echo %s saw %s\n", me, me, other, other, me, other)
	}
	files := map[string]string{
		// pipe-style jobserver (make 4.4 defaults to a fifo, which needs no fd)
		"outer.mk": "all:\n\t+$(SCTRACE) trace -o /dev/null -- $(MAKE) --no-print-directory -f inner.mk\n",
		"inner.mk": "all: a b\n" + job("a", "b") + job("b", "a"),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-j2", "-f", "outer.mk", "SCTRACE=" + os.Args[0]}
	if out, _ := exec.Command(mk, "--help").Output(); bytes.Contains(out, []byte("--jobserver-style")) {
		args = append(args, "--jobserver-style=pipe")
	}
	mark := fmt.Sprintf("%d-%d", os.Getpid(), markSeq.Add(1))
	cmd := exec.Command(mk, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), cliEnv+"=1", markEnv+"="+mark)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	assertNoLeftovers(t, mark)
	text := out.String()
	if err != nil || strings.Contains(text, "jobserver unavailable") || !strings.Contains(text, "a saw b") || !strings.Contains(text, "b saw a") {
		t.Errorf("make: %v; output:\n%s", err, text)
	}
}
