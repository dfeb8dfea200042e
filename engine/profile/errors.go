package profile

import (
	"errors"
	"fmt"
)

// Sentinels; errors wrap them with the profile's name and the entry.
var (
	// ErrInvalid: the profile is malformed or says something no runtime
	// accepts (an unknown action, architecture or operator, errnoRet on
	// an action without one).
	ErrInvalid = errors.New("invalid seccomp profile")
	// ErrNoExec: under the profile execve always fails, so no command
	// could ever start.
	ErrNoExec = errors.New("the profile refuses execve")
	// ErrUnconfined: no defaultAction and no syscalls, which container
	// runtimes take as "no seccomp at all".
	ErrUnconfined = errors.New("the profile disables seccomp")
)

// profileError is a message that Is one of the sentinels above.
type profileError struct {
	kind error
	msg  string
}

func (e *profileError) Error() string { return e.msg }
func (e *profileError) Unwrap() error { return e.kind }

func failf(kind error, format string, args ...any) error {
	return &profileError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
