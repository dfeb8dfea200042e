package notify_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// childEnv makes the test binary a child that execs mkdir DIR under a
// filter notifying mkdir, its listener sent over fd 3; childCat makes it
// exec cat FILE under a filter notifying openat.
const (
	childEnv = "NOTIFY_TEST_CHILD"
	childCat = "NOTIFY_TEST_CAT"
)

// mkdirCall is the call coreutils' mkdir makes, and the index of its path.
func mkdirCall() (string, int) {
	if runtime.GOARCH == "amd64" {
		return "mkdir", 0
	}
	return "mkdirat", 1 // arm64 has no mkdir
}

func childExec(name, path string, argv []string) {
	nr, err := filter.SyscallNumber(name)
	if err != nil {
		panic(err)
	}
	s := filter.Spec{Default: filter.ActionAllow}
	if err := s.Add(filter.Rule{Action: filter.ActionNotify, Syscall: nr}); err != nil {
		panic(err)
	}
	bpf, err := s.BPF()
	if err != nil {
		panic(err)
	}
	err = engine.ExecWith(engine.ExecSpec{Path: path, Argv: argv, Env: os.Environ(),
		Programs: [][]byte{bpf}, Listener: 0, Ctl: 3})
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(126)
}

func init() {
	if os.Getenv(childEnv) != "" || os.Getenv(childCat) != "" {
		runtime.LockOSThread() // the main thread: the C step installs and execs there
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		name, _ := mkdirCall()
		childExec(name, "/bin/mkdir", []string{"mkdir", dir})
	}
	if file := os.Getenv(childCat); file != "" {
		childExec("openat", "/bin/cat", []string{"cat", file})
	}
	os.Exit(m.Run())
}

// start runs the child and returns it with the listener it passed.
func start(t *testing.T, dir string) (*exec.Cmd, *notify.Listener) {
	return startEnv(t, childEnv+"="+dir, nil)
}

func startEnv(t *testing.T, env string, stdout *os.File) (*exec.Cmd, *notify.Listener) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := fds[0], os.NewFile(uintptr(fds[1]), "ctl")
	defer unix.Close(mine)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), env)
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(mine, buf, oob, 0)
	if err != nil || n != 1 || buf[0] != 'L' {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("receiving the listener: n=%d %v", n, err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control message: %v", err)
	}
	rights, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(rights) != 1 {
		t.Fatalf("rights: %v", err)
	}
	l, err := notify.NewListener(rights[0])
	if err != nil {
		t.Fatal(err)
	}
	return cmd, l
}

// serve answers every notification with answer until the listener has no
// tasks left, and returns how many there were and the paths they read.
func serve(t *testing.T, l *notify.Listener, answer func(*notify.Call) error) (int, []string) {
	t.Helper()
	n := 0
	var paths []string
	for {
		err := l.Wait()
		if errors.Is(err, notify.ErrNoUsers) {
			return n, paths
		}
		if err != nil {
			t.Fatal(err)
		}
		var c notify.Call
		if err := l.Receive(&c); err != nil {
			if errors.Is(err, notify.ErrGone) {
				continue
			}
			t.Fatal(err)
		}
		n++
		name, arg := mkdirCall()
		if want, _ := filter.SyscallNumber(name); c.Nr != want {
			t.Errorf("notified syscall %d, want %s", c.Nr, name)
		}
		p, truncated, err := c.ReadString(c.Args[arg], 4096)
		if err != nil || truncated {
			t.Errorf("reading the path: %q %v %v", p, truncated, err)
		}
		paths = append(paths, p)
		if !c.Valid() {
			t.Error("pending call not valid")
		}
		if err := answer(&c); err != nil {
			t.Errorf("answering: %v", err)
		}
		if c.Valid() {
			t.Error("answered call still valid")
		}
		if _, _, err := c.ReadString(c.Args[arg], 16); !errors.Is(err, notify.ErrGone) {
			t.Errorf("read after the answer: %v, want ErrGone", err)
		}
		c.Release()
	}
}

func TestFailAndContinue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(*notify.Call) error
		exists bool
		code   int
	}{
		{"fail", func(c *notify.Call) error { return c.Fail(int(unix.EACCES)) }, false, 1},
		{"continue", (*notify.Call).Continue, true, 0},
		{"return", func(c *notify.Call) error { return c.Return(0) }, false, 0}, // "succeeds", nothing made
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "made")
			cmd, l := start(t, dir)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			n, paths := serve(t, l, tc.answer)
			l.Shutdown()
			err := <-done
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if n != 1 || len(paths) != 1 || paths[0] != dir {
				t.Errorf("notifications %d, paths %q; want 1, [%q]", n, paths, dir)
			}
			if code != tc.code {
				t.Errorf("mkdir exit %d, want %d", code, tc.code)
			}
			_, serr := os.Stat(dir)
			if (serr == nil) != tc.exists {
				t.Errorf("directory exists: %v, want %v", serr == nil, tc.exists)
			}
		})
	}
}

// A listener closed with a call pending: the kernel answers ENOSYS and the
// caller goes on (mkdir reports the failure), nothing is left blocked.
func TestClosedListenerAnswersENOSYS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "made")
	cmd, l := start(t, dir)
	if err := l.Wait(); err != nil {
		t.Fatal(err)
	}
	l.Shutdown()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("mkdir: %v, want exit 1 (ENOSYS)", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("directory made although nobody answered")
	}
}

// ReplyFd: cat asks for one file and gets the one the supervisor opened
// itself (ADDFD with SEND); every other open (the loader's) continues.
func TestReplyFd(t *testing.T) {
	dir := t.TempDir()
	asked, given := filepath.Join(dir, "asked"), filepath.Join(dir, "given")
	if err := os.WriteFile(asked, []byte("asked\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(given, []byte("given by the supervisor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd, l := startEnv(t, childCat+"="+asked, out)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	replaced := 0
	for {
		err := l.Wait()
		if errors.Is(err, notify.ErrNoUsers) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var c notify.Call
		if err := l.Receive(&c); err != nil {
			if errors.Is(err, notify.ErrGone) {
				continue
			}
			t.Fatal(err)
		}
		p, _, err := c.ReadString(c.Args[1], 4096)
		if err == nil && p == asked {
			fd, err := unix.Open(given, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := c.ReplyFd(fd, true); err != nil || n < 0 {
				t.Errorf("ReplyFd: %d, %v", n, err)
			}
			unix.Close(fd)
			replaced++
		} else if err := c.Continue(); err != nil && !errors.Is(err, notify.ErrGone) {
			t.Errorf("continue: %v", err)
		}
		c.Release()
	}
	l.Shutdown()
	if err := <-done; err != nil {
		t.Fatalf("cat: %v", err)
	}
	got, _ := os.ReadFile(out.Name())
	if replaced != 1 || string(got) != "given by the supervisor\n" {
		t.Fatalf("replaced %d opens, cat printed %q", replaced, got)
	}
}

// A caller killed while its notification is pending: the answer reports
// ErrGone (normal flow, nothing to do), readers too, and Valid is false.
func TestKilledWhilePending(t *testing.T) {
	cmd, l := start(t, filepath.Join(t.TempDir(), "made"))
	defer l.Shutdown()
	if err := l.Wait(); err != nil {
		t.Fatal(err)
	}
	var c notify.Call
	if err := l.Receive(&c); err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	cmd.Process.Kill()
	cmd.Wait()
	if c.Valid() {
		t.Error("call of a killed thread still valid")
	}
	_, arg := mkdirCall()
	if _, _, err := c.ReadString(c.Args[arg], 16); !errors.Is(err, notify.ErrGone) {
		t.Errorf("read: %v, want ErrGone", err)
	}
	if err := c.Fail(int(unix.EPERM)); !errors.Is(err, notify.ErrGone) {
		t.Errorf("answer: %v, want ErrGone", err)
	}
	if err := l.Wait(); !errors.Is(err, notify.ErrNoUsers) {
		t.Errorf("Wait after the last task: %v, want ErrNoUsers", err)
	}
}
