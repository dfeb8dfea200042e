package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The leftover check must see a marked process that outlived its parent,
// and Kill must end it.
func TestMarkFindsAndKillsLeftovers(t *testing.T) {
	m := Mark{Key: "SCTRACE_LUA_TESTENV_MARK", Value: "leftover-test"}
	// sh starts a marked sleep in the background and exits: the sleep is
	// reparented (to init, not to us), found only by its mark.
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 >/dev/null 2>&1 &")
	cmd.Env = append(os.Environ(), m.Entry())
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	// The sleep may still be inside execve, where /proc shows an empty
	// environment (the new stack's bounds are not set yet) or the old
	// name: look again until it has settled.
	var left []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if left = m.Leftovers(); len(left) == 1 && strings.Contains(left[0], "(sleep)") {
			break
		}
	}
	if len(left) != 1 || !strings.Contains(left[0], "(sleep)") {
		t.Fatalf("leftovers = %q, want the one sleep", left)
	}
	m.Kill()
	for _, s := range m.Leftovers() {
		if !strings.Contains(s, " Z ") {
			t.Fatalf("still there after Kill: %s", s)
		}
	}
	if got := (Mark{Key: m.Key, Value: "another run"}).Leftovers(); len(got) != 0 {
		t.Fatalf("another mark's leftovers = %q, want none", got)
	}
}
