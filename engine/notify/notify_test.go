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
// filter notifying mkdir, its listener sent over fd 3.
const childEnv = "NOTIFY_TEST_CHILD"

func init() {
	if os.Getenv(childEnv) != "" {
		runtime.LockOSThread() // the main thread: the C step installs and execs there
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		s := filter.Spec{Default: filter.ActionAllow}
		if err := s.Add(filter.Rule{Action: filter.ActionNotify, Syscall: unix.SYS_MKDIR}); err != nil {
			panic(err)
		}
		bpf, err := s.BPF()
		if err != nil {
			panic(err)
		}
		err = engine.ExecWith(engine.ExecSpec{Path: "/bin/mkdir", Argv: []string{"mkdir", dir}, Env: os.Environ(),
			Programs: [][]byte{bpf}, Listener: 0, Ctl: 3})
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(126)
	}
	os.Exit(m.Run())
}

// start runs the child and returns it with the listener it passed.
func start(t *testing.T, dir string) (*exec.Cmd, *notify.Listener) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := fds[0], os.NewFile(uintptr(fds[1]), "ctl")
	defer unix.Close(mine)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
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
		if c.Nr != unix.SYS_MKDIR {
			t.Errorf("notified syscall %d, want mkdir", c.Nr)
		}
		p, truncated, err := c.ReadString(c.Args[0], 4096)
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
		if _, _, err := c.ReadString(c.Args[0], 16); !errors.Is(err, notify.ErrGone) {
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
