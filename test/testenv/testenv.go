// Package testenv makes the environment that traced test commands inherit
// independent of the machine running the tests.
//
// Tests count exact syscalls. A shell started without HOME or SHELL looks
// its user up in the passwd database, and glibc first tries nscd with a
// connect(2) to /var/run/nscd/socket: CI runners often start jobs with a
// minimal environment, which turned "exactly four connects" into eight.
// The user's ~/.profile and ~/.bashrc would likewise run commands the tests
// cannot predict in every login shell, and a umask of 077 makes the binaries
// the tests copy for uid 65534 unexecutable by it.
//
// Run (or Hermetic) is called once from a TestMain, before any test starts;
// it changes the process environment for the whole run.
package testenv

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Run runs the tests in a Hermetic environment and returns m.Run's exit
// code (1 if the environment could not be set up).
func Run(m *testing.M) int {
	cleanup, err := Hermetic()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	return m.Run()
}

// Umask sets the file mode mask to 022, so files the tests create for
// another uid are readable (and, when asked, executable) by it.
func Umask() { syscall.Umask(0o022) }

// Hermetic points HOME at a new empty directory readable by every user (the
// unprivileged tests run as uid 65534), sets the umask to 022 and SHELL to /bin/sh and drops the
// variables that make a shell source files at start-up. The returned
// function removes the directory.
func Hermetic() (cleanup func(), err error) {
	Umask()
	home, err := os.MkdirTemp("", "sctrace-lua-home")
	if err != nil {
		return nil, fmt.Errorf("hermetic test environment: %w", err)
	}
	if err := os.Chmod(home, 0o755); err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("hermetic test environment: %w", err)
	}
	os.Setenv("HOME", home)
	os.Setenv("SHELL", "/bin/sh")
	for _, v := range []string{"ENV", "BASH_ENV", "PROMPT_COMMAND"} {
		os.Unsetenv(v)
	}
	return func() { os.RemoveAll(home) }, nil
}
