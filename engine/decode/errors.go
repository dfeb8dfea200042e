package decode

import "errors"

// errUnreadable stands for memory a decoder was not given.
var errUnreadable = errors.New("no tracee memory to read")
