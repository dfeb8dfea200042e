package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// argSpace is what execve needs for argv and envp: the strings with their
// NULs and one pointer each (as fs/exec.c counts it).
func argSpace(argv, env []string) int {
	n := 8 * (len(argv) + len(env))
	for _, s := range append(argv, env...) {
		n += len(s) + 1
	}
	return n
}

// argLimit is the kernel's bound on argSpace for a process started now:
// a quarter of RLIMIT_STACK, at most 6 MiB, at least 128 KiB.
func argLimit(t *testing.T) int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_STACK, &rl); err != nil {
		t.Fatal(err)
	}
	limit := uint64(6 << 20) // _STK_LIM / 4 * 3
	if rl.Cur != unix.RLIM_INFINITY && rl.Cur/4 < limit {
		limit = rl.Cur / 4
	}
	return int(max(limit, 128<<10))
}

// 100,000 arguments (within ARG_MAX) reach the command whole through run,
// trace and a script, the script gets all of them in arg and in `...`, and
// the fork snapshot carries the table holding them. No Go panic.
func TestHugeArgv(t *testing.T) {
	const n = 100_000
	words := make([]string, n)
	for i := range words {
		words[i] = strconv.Itoa(i + 1)
	}
	command := append([]string{os.Args[0], reportArg, "args"}, words...)
	sum := fmt.Sprintf("args %d %x", n, sha256.Sum256([]byte(strings.Join(words, "\x00"))))
	script, _ := filepath.Abs(filepath.Join(testdata, "exec_traced.lua"))
	log := filepath.Join(t.TempDir(), "log")
	modes := []struct {
		name string
		args []string
	}{
		{"script", append([]string{script}, command...)},
		{"run", append([]string{"run", "-p", "log-exec", "-o", log, "--"}, command...)},
		{"trace", append([]string{"trace", "-e", "trace=execve", "-o", log, "--"}, command...)},
	}
	env := append(os.Environ(), cliEnv+"=1", markEnv+"=x-0")
	limit := argLimit(t)
	for _, m := range modes {
		if need := argSpace(append([]string{os.Args[0]}, m.args...), env); need >= limit {
			t.Skipf("%s: %d arguments need %d bytes of argument space; the kernel allows %d here (RLIMIT_STACK)", m.name, n, need, limit)
		}
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			os.Remove(log)
			r := cli(t, "", nil, "", m.args...)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			want := []string{sum}
			if m.name == "script" {
				// #arg counts the command and its report arguments too.
				want = []string{fmt.Sprintf("script\t%d\t%d\ttrue", n+3, n+3), sum}
			}
			if r.code != 0 || strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Fatalf("exit %d, stdout %.300q, want %q; stderr:\n%.2000s", r.code, r.stdout, want, r.stderr)
			}
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("stderr:\n%.2000s", r.stderr)
			}
			switch m.name {
			case "script":
				if !strings.Contains(r.stderr, "execve stops: 1\n") {
					t.Errorf("stderr: %.2000s", r.stderr)
				}
			case "run", "trace":
				// log-exec reads argv up to 1024 entries; trace up to -s's
				// 32 elements: both mark the rest with "...".
				b, _ := os.ReadFile(log)
				text := string(b)
				if !strings.Contains(text, `execve("`+os.Args[0]+`", [`) || !strings.Contains(text, `"`+reportArg+`", "args", "1", "2", `) ||
					!strings.Contains(text, "...]") || !strings.Contains(text, ") = 0") {
					t.Errorf("log:\n%.2000s", text)
				}
			}
		})
	}
}
