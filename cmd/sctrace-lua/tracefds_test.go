package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// -yy (--decode-fds=all): sockets as their protocol and addresses, devices
// with their numbers, as strace 6.1 prints them.
func TestTraceDecodeFdsAll(t *testing.T) {
	needBash(t)
	port, _ := listener(t)
	script := fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d; echo hi >&3; exec 4>/dev/null; echo x >&4", port)
	for _, opt := range [][]string{{"-yy"}, {"--decode-fds=all"}, {"--decode-fds=socket,dev"}} {
		got, r := runTrace(t, append(opt, "-e", "trace=connect,write", "--", "bash", "-c", script)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", opt, r.code, r.stderr)
		}
		wants := []*regexp.Regexp{
			// (bash dups the descriptor to 1 for echo) at connect's entry the socket is neither bound nor connected
			regexp.MustCompile(`^connect\(3<TCP:\[\d+\]>, \{sa_family=AF_INET, sin_port=htons\(` + fmt.Sprint(port) + `\)`),
			regexp.MustCompile(`^write\(1<TCP:\[127\.0\.0\.1:\d+->127\.0\.0\.1:` + fmt.Sprint(port) + `\]>, "hi\\n", 3\) += 3$`),
			regexp.MustCompile(`^write\(1</dev/null<char 1:3>>, "x\\n", 2\) += 2$`),
		}
		lines := strings.Split(strings.TrimSpace(got), "\n")
		for _, re := range wants {
			found := false
			for _, l := range lines {
				found = found || re.MatchString(l)
			}
			if !found {
				t.Errorf("%v: no line matches %s in:\n%s", opt, re, got)
			}
		}
	}
	// -y alone keeps the paths
	got, _ := runTrace(t, "-y", "-e", "trace=write", "--", "bash", "-c", script)
	if !strings.Contains(got, "write(1<socket:[") || !strings.Contains(got, "write(1</dev/null>,") {
		t.Errorf("-y:\n%s", got)
	}
	if r := cli(t, "", nil, "", "trace", "--decode-fds=bogus", "--", "true"); r.code != 2 || !strings.Contains(r.stderr, "invalid --decode-fds") {
		t.Errorf("--decode-fds=bogus: exit %d, %q", r.code, r.stderr)
	}
}
