package bindings

import (
	"errors"
	"fmt"
	"os"

	"github.com/sctrace-lua/sctrace-lua/bindings/forksnap"
	"github.com/sctrace-lua/sctrace-lua/engine"
)

// IsChild reports whether this process is a Process.fork child; the host's
// main (and TestMain) must then call RunChild and exit with its code.
func IsChild() bool { return engine.IsHelper() && engine.HelperMode() == forkMode }

// RunChild is the whole life of a Process.fork child: rebuild the function
// from the parent's snapshot, wait to be released, run it. It returns the
// exit code: 0 when the function returns, 1 (with a traceback) when it
// raises, 127 when it raised because exec() failed.
// Precondition: called on the main goroutine (its thread is locked by the
// engine's init; the tracer seized that thread).
func RunChild(o Options) int {
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	payload, err := engine.HelperPayload()
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua: forked child: %s\n", err)
		return 1
	}
	r := New(o)
	defer r.Close()
	r.inChild = true
	fn, err := forksnap.Decode(r.L, payload, r.snapOptions())
	if err != nil {
		fmt.Fprintf(stderr, "sctrace-lua: forked child: %s\n", err)
		return 1
	}
	if err := engine.AwaitRelease(); err != nil {
		if errors.Is(err, engine.ErrParentGone) {
			return 1 // nobody is left to tell
		}
		fmt.Fprintf(stderr, "sctrace-lua: forked child: %s\n", err)
		return 1
	}
	r.L.Push(fn)
	if err := r.L.PCall(0, 0, nil); err != nil {
		var se *ScriptError
		if errors.As(scriptError(err), &se) {
			fmt.Fprintf(stderr, "sctrace-lua: %s\n", se.Msg)
			if se.Traceback != "" && !r.execFailed {
				fmt.Fprintf(stderr, "%s\n", se.Traceback)
			}
		} else {
			fmt.Fprintf(stderr, "sctrace-lua: %s\n", err)
		}
		if r.execFailed {
			return 127
		}
		return 1
	}
	if len(r.armed) > 0 {
		fmt.Fprintf(stderr, "sctrace-lua: warning: a seccomp filter was loaded with ctx:load() but the forked block ended without exec(): the filter never took effect\n")
	}
	if len(r.armedLandlock) > 0 {
		fmt.Fprintf(stderr, "sctrace-lua: warning: a Landlock ruleset was loaded with ruleset:load() but the forked block ended without exec(): it never took effect\n")
	}
	return 0
}
