package strace

import (
	"fmt"
	"io"
)

// detachedNote ends the line of an execve whose process was let go at
// its exec (-b execve): its return is never seen.
const detachedNote = " <detached ...>"

// selectByNumber prepares t for tracees without a filter (-p, -b execve):
// every call stops, and -e trace= and the injections pick theirs by number.
func (t *tracer) selectByNumber() {
	t.attached = true
	if t.o.Selected != nil {
		t.sel = map[int]bool{}
		for nr := range t.o.Selected {
			t.sel[nr] = true
		}
	}
	t.injNrs = map[int]bool{}
	for _, in := range t.o.Inject {
		for nr := range in.sel {
			t.injNrs[nr] = true
		}
	}
}

// detachedFn is the engine's Detached hook for -b execve: the execve in
// progress is written with detachedNote, the process no longer counts as
// traced, and "Process N detached" goes to msgs (nil: quiet).
func (t *tracer) detachedFn(msgs io.Writer) func(pid int) {
	return func(pid int) {
		if p := t.pending[pid]; p != nil {
			delete(t.pending, pid)
			if p.active && p.c != nil && t.execed && !t.o.Count {
				t.finish(pid, p.pid, p.ts, p.ip, p.c, -1, detachedNote)
			}
		}
		t.forgetStack(pid)
		delete(t.live, pid)
		if msgs != nil {
			t.w.Flush()
			fmt.Fprintf(msgs, "sctrace-lua trace: Process %d detached\n", pid)
		}
	}
}
