package bindings

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// ScriptError is an error raised by Lua code (or a syntax error), with the
// message as "file:line: message" and the Lua traceback apart.
type ScriptError struct {
	Msg       string
	Traceback string
}

func (e *ScriptError) Error() string { return e.Msg }

// gopher-lua reports syntax errors as "name line:3(column:5) near 'x': msg",
// or "name at EOF: msg" at the end of the chunk. Compiled on first use:
// at package init they cost ~0.15 ms of every start, in the tracer and in
// each fork helper, for scripts that have no syntax error.
var (
	syntaxRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(.*?) line:(\d+)\(column:\d+\) (near '.*?'):\s*(.*)$`)
	})
	syntaxEOFRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(.*?) at EOF:\s*(.*)$`)
	})
)

// scriptError turns gopher-lua's errors into ScriptErrors with the message
// in the file:line: form every Lua user knows.
func scriptError(err error) error { return loadError(err, 0) }

// loadError is scriptError for a chunk being compiled: lastLine is its
// number of lines, for syntax errors gopher-lua reports "at EOF".
func loadError(err error, lastLine int) error {
	var api *lua.ApiError
	if !errors.As(err, &api) {
		return err
	}
	msg := strings.TrimSpace(lua.LVAsString(api.Object))
	if api.Object.Type() != lua.LTString && api.Object.Type() != lua.LTNumber {
		msg = "(error object is a " + api.Object.Type().String() + " value)"
	}
	if api.Type == lua.ApiErrorSyntax {
		first, _, _ := strings.Cut(msg, "\n")
		if m := syntaxRe().FindStringSubmatch(first); m != nil {
			msg = fmt.Sprintf("%s:%s: %s %s", m[1], m[2], m[4], m[3])
		} else if m := syntaxEOFRe().FindStringSubmatch(first); m != nil {
			msg = fmt.Sprintf("%s:%d: %s at the end of the chunk", m[1], lastLine, m[2])
		} else {
			msg = first
		}
	}
	if api.Cause != nil && msg == "" {
		msg = api.Cause.Error()
	}
	return &ScriptError{Msg: msg, Traceback: api.StackTrace}
}
