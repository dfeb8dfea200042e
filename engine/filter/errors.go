package filter

import "errors"

// Sentinels for errors.Is; the concrete errors carry the details.
var (
	// ErrUnknownSyscall: a name or number that libseccomp does not know for
	// the native architecture (see [UnknownSyscallError]).
	ErrUnknownSyscall = errors.New("unknown syscall")
	// ErrInvalidAction: unknown action name, bad kind or out-of-range value.
	ErrInvalidAction = errors.New("invalid action")
	// ErrUnknownErrno: an errno name that golang.org/x/sys/unix does not know.
	ErrUnknownErrno = errors.New("unknown errno")
	// ErrInvalidOp: unknown comparison operator.
	ErrInvalidOp = errors.New("invalid comparison operator")
	// ErrInvalidCondition: bad argument index, operator or values.
	ErrInvalidCondition = errors.New("invalid condition")
	// ErrConflict: rules that libseccomp cannot honour as written
	// (see [ConflictError]).
	ErrConflict = errors.New("conflicting rules")
	// ErrExport: libseccomp failed to build or export the filter.
	ErrExport = errors.New("seccomp export failed")
)
