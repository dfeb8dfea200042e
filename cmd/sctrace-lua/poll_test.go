package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --poll only changes how the tracer waits: off, short and the default
// limit give the same trace of the same command.
func TestPollOption(t *testing.T) {
	var first string
	for _, poll := range []string{"0", "20us", "200us", "1s"} {
		out := filepath.Join(t.TempDir(), "trace.out")
		r := cli(t, "", nil, "", "--poll", poll, "trace", "-o", out, "-e", "trace=openat,read", "--", "/bin/cat", "/etc/hostname")
		if r.code != 0 {
			t.Fatalf("--poll %s: exit %d: %s", poll, r.code, r.stderr)
		}
		b, _ := os.ReadFile(out)
		got := string(b)
		if !strings.Contains(got, `openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`) || !strings.Contains(got, "+++ exited with 0 +++") {
			t.Fatalf("--poll %s: trace lacks the open or the exit:\n%s", poll, got)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("--poll %s traced\n%s\nwhere --poll 0 traced\n%s", poll, got, first)
		}
	}
}
