package strace

import (
	"strconv"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/unwind"
	"golang.org/x/sys/unix"
)

// mapCalls change a process's mappings: after one, the unwinder's copy of
// /proc/PID/maps is stale.
var mapCalls = map[int]bool{
	unix.SYS_MMAP: true, unix.SYS_MUNMAP: true, unix.SYS_MPROTECT: true,
	unix.SYS_MREMAP: true, unix.SYS_EXECVE: true, unix.SYS_EXECVEAT: true,
	unix.SYS_SHMAT: true, unix.SYS_SHMDT: true, unix.SYS_PKEY_MPROTECT: true,
	unix.SYS_REMAP_FILE_PAGES: true,
}

// onEntry are the calls whose stack is walked at their seccomp stop, as
// strace does: the exec'ing image and the exiting thread are gone at the
// exit. strace 6.1 prints such stacks from a queue, where a frame without
// a symbol reads "FILE(+0x0)" rather than "FILE()".
var onEntry = map[int]bool{
	unix.SYS_EXECVE: true, unix.SYS_EXECVEAT: true, unix.SYS_EXIT: true, unix.SYS_EXIT_GROUP: true,
}

// stacks is -k: each printed call is followed by its user stack, as
// strace -k (libunwind) prints it.
type stacks struct {
	u *unwind.Unwinder
	// seen: every mapping call is selected, so the cached maps are
	// invalidated by them; otherwise they are read again for each call.
	seen bool
	// next: the frames of the call about to be printed (nextCall).
	next     []byte
	nextCall *decode.Call
	// afterDump: the call's hex dumps (-e read=/write=) come first, as
	// in strace; lineDone: its line was written.
	afterDump, lineDone bool
	// held: the frames of a call that does not return (exit_group),
	// printed after the thread's "+++ exited" line, as strace does.
	held map[int][]byte
	// entry: the frames walked at the seccomp stop of a call in onEntry,
	// by thread, for its exit.
	entry map[int][]byte
}

func newStacks(o *Options) *stacks {
	// -P drops lines (and so the walks that invalidate) of calls that
	// name none of its paths, mmap's among them.
	k := &stacks{u: unwind.New(), seen: len(o.Paths) == 0, held: map[int][]byte{}, entry: map[int][]byte{}}
	for nr := range mapCalls {
		if o.Selected != nil && !o.Selected[nr] {
			k.seen = false
		}
	}
	return k
}

// capture walks the stack of st's thread for the call c about to be
// printed; the frames are written after its line (writeStack).
// Precondition: st is valid (the thread is stopped).
func (t *tracer) capture(st *engine.Stop, c *decode.Call, noReturn bool) {
	k := t.stack
	if k == nil {
		return
	}
	b, ok := k.entry[st.Tid]
	delete(k.entry, st.Tid)
	if !ok || !st.AtExit() {
		b = k.walk(st, c.Nr, onEntry[c.Nr] && !st.AtExit())
	}
	if noReturn {
		k.held[st.Tid] = b
		return
	}
	k.next, k.nextCall = b, c
	k.afterDump = st.AtExit() && (t.o.AllRead || t.o.AllWrite || len(t.o.ReadFds) > 0 || len(t.o.WriteFds) > 0)
	k.lineDone = false
}

// captureEntry walks the stack at the seccomp stop of a call in onEntry
// (but not the first exec, whose old image is this program's helper: its
// stack is the new image's, at the exit, as strace shows it).
func (t *tracer) captureEntry(st *engine.Stop, c *decode.Call) {
	if k := t.stack; k != nil && onEntry[c.Nr] && t.execed && !c.NoReturn {
		k.entry[st.Tid] = k.walk(st, c.Nr, true)
	}
}

// walk formats st's stack, keeping the cached maps in step with calls
// that change them.
func (k *stacks) walk(st *engine.Stop, nr int, queued bool) []byte {
	if !k.seen || mapCalls[nr] {
		k.u.Invalidate(st.Pid)
	}
	b := k.format(st, queued)
	if mapCalls[nr] {
		k.u.Invalidate(st.Pid) // what the call maps comes next
	}
	return b
}

// forgetStack drops what is held for a thread that ended; the frames of
// its last call, if it did not return, are written now.
func (t *tracer) forgetStack(tid int) {
	k := t.stack
	if k == nil {
		return
	}
	if b := k.held[tid]; b != nil {
		delete(k.held, tid)
		t.out(tid).Write(b)
	}
	delete(k.entry, tid)
	k.u.Forget(tid)
}

// writeStack writes the frames captured for c, whose line was just
// written.
func (t *tracer) writeStack(tid int, c *decode.Call) {
	k := t.stack
	if k == nil || k.nextCall != c {
		return
	}
	if k.afterDump {
		k.lineDone = true // writeStackAfterDump writes them
		return
	}
	t.out(tid).Write(k.next)
	k.next, k.nextCall = nil, nil
}

// writeStackAfterDump writes the frames of c after its hex dumps, if its
// line was written.
func (t *tracer) writeStackAfterDump(tid int, c *decode.Call) {
	k := t.stack
	if k == nil || k.nextCall != c {
		return
	}
	if k.lineDone {
		t.out(tid).Write(k.next)
	}
	k.next, k.nextCall, k.afterDump, k.lineDone = nil, nil, false, false
}

// format walks st's stack into strace's lines:
//
//	> FILE(SYMBOL+0xOFF) [0xFILEOFFSET]
//	> FILE() [0xFILEOFFSET]                   (no symbol; queued: FILE(+0x0))
//	> unexpected_backtracing_error [0xADDR]   (an address in no file mapping)
//	> too many stack frames                   (more than unwind.MaxFrames)
func (k *stacks) format(st *engine.Stop, queued bool) []byte {
	pr, err := st.Regs()
	if err != nil {
		return nil
	}
	frames, err := k.u.Unwind(st.Pid, unwind.FromPtrace(&pr), st)
	b := make([]byte, 0, 64*len(frames)+64)
	for _, f := range frames {
		b = append(b, " > "...)
		b = append(b, f.File...)
		b = append(b, '(')
		if f.Symbol != "" || queued {
			b = append(b, demangle(f.Symbol)...)
			b = append(b, "+0x"...)
			b = strconv.AppendUint(b, f.SymOff, 16)
		}
		b = append(b, ") [0x"...)
		b = strconv.AppendUint(b, f.Offset, 16)
		b = append(b, "]\n"...)
	}
	switch e := err.(type) {
	case *unwind.NotMappedError:
		b = append(b, " > unexpected_backtracing_error [0x"...)
		b = strconv.AppendUint(b, e.PC, 16)
		b = append(b, "]\n"...)
	default:
		if err == unwind.ErrTooManyFrames {
			b = append(b, " > too many stack frames\n"...)
		}
	}
	return b
}
