// Package hostile is the hostile-program suite (issue 9): C programs that
// attack the policies they run under, one test per class of attack, each
// asserting that nothing got through. Every test runs as root and as uid
// 65534 (hostiletest.ForEachUser). test/hostile/net holds the network
// attacks.
package hostile

import (
	"testing"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

func TestMain(m *testing.M) { hostiletest.Main(m) }

// The harness itself: the CLI runs as each user and leaves nothing.
func TestHarness(t *testing.T) {
	s := hostiletest.S()
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
			t.Skipf("%s is not reachable by uid 65534", s.Dir)
		}
		r := s.Run(t, hostiletest.Opts{User: u}, "-e", `local p = Process.fork(function() exec("/bin/sh", "-c", "id -u") end) Process.waitpid(p)`)
		want := "0\n"
		if u.Cred != nil {
			want = "65534\n"
		}
		if r.Code != 0 || r.Stdout != want {
			t.Errorf("exit %d, stdout %q, stderr %s", r.Code, r.Stdout, r.Stderr)
		}
	})
}
