package unwind

import "errors"

var (
	// ErrMalformed marks CFI or an expression that cannot be decoded.
	ErrMalformed = errors.New("malformed call frame information")
	// ErrUnsupported marks CFI this unwinder does not evaluate (an
	// augmentation or an operation it does not know).
	ErrUnsupported = errors.New("unsupported call frame information")
	// ErrNoFDE: no frame description covers the address.
	ErrNoFDE = errors.New("no frame description for the address")
)
