package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"testing"
)

// Under -f, strace says "Process N attached" for each new task when its
// lines go to the terminal; -q, -e quiet=attach and -o with a command
// silence it.
func TestTraceAttachedMessages(t *testing.T) {
	strace := needStrace(t)
	cmd := []string{"sh", "-c", "/bin/true; /bin/true | /bin/true"}
	var serr bytes.Buffer
	c := exec.Command(strace, append([]string{"-f", "-e", "trace=none"}, cmd...)...)
	c.Stderr = &serr
	if err := c.Run(); err != nil {
		t.Fatalf("strace: %v", err)
	}
	want := len(regexp.MustCompile(`(?m)^(\S*/)?strace: Process \d+ attached$`).FindAllString(serr.String(), -1))
	if want != 3 {
		t.Fatalf("strace printed %d attach messages, want 3:\n%s", want, serr.String())
	}
	ours := regexp.MustCompile(`(?m)^sctrace-lua trace: Process \d+ attached$`)
	r := cli(t, "", nil, "", append([]string{"trace", "-f", "-e", "trace=none", "--"}, cmd...)...)
	if n := len(ours.FindAllString(r.stderr, -1)); n != want || r.code != 0 {
		t.Errorf("-f: %d attach messages (exit %d), strace printed %d:\n%s", n, r.code, want, r.stderr)
	}
	for _, quiet := range [][]string{{"-q"}, {"-e", "quiet=attach"}, {"-o", t.TempDir() + "/out"}} {
		r := cli(t, "", nil, "", append(append([]string{"trace", "-f", "-e", "trace=none"}, quiet...), append([]string{"--"}, cmd...)...)...)
		if n := len(ours.FindAllString(r.stderr, -1)); n != 0 || r.code != 0 {
			t.Errorf("%v: %d attach messages (exit %d):\n%s", quiet, n, r.code, r.stderr)
		}
	}
}
