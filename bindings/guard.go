package bindings

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// DefaultMemoryLimit bounds the Go heap while a callback runs: a callback
// that builds tables without end gets a Lua error, not the machine's OOM
// killer.
const DefaultMemoryLimit = 2 << 30

// guard watches the callbacks of one trace: wall time (CallbackTimeout),
// heap size (MemoryLimit) and the terminal's Ctrl-C. It interrupts a
// callback through the Lua context, which gopher-lua checks at every
// instruction; the context is installed only while a callback runs, so the
// rest of the script runs at full speed.
//
// A callback costs the guard no clock reading: it publishes its sequence
// number while it runs, and the watcher times a number it sees on
// consecutive ticks with its own clock (so a callback is stopped between
// timeout and timeout plus one tick, a tick being at most a tenth of the
// timeout).
type guard struct {
	timeout  time.Duration
	memLimit uint64
	ctx      context.Context
	cancel   context.CancelCauseFunc
	seq      uint64        // callbacks begun; the Lua thread's alone
	running  atomic.Uint64 // the running callback's seq; 0 when none
	done     chan struct{}
	what     string // what it guards, for messages ("callback")
}

func (r *Runtime) newGuard() *guard { return r.newGuardTimeout(r.callbackTimeout) }

// newGuardTimeout is a guard with its own time limit (0: none) and the
// Runtime's memory limit.
func (r *Runtime) newGuardTimeout(timeout time.Duration) *guard {
	g := &guard{timeout: timeout, memLimit: r.memoryLimit, done: make(chan struct{}), what: "callback"}
	g.ctx, g.cancel = context.WithCancelCause(context.Background())
	go g.watch()
	return g
}

func (g *guard) close() {
	close(g.done)
	g.cancel(nil)
}

// interruptGrace is how long a callback may go on after the terminal's
// Ctrl-C before it counts as stuck. The signal is the tracees' business:
// a tree that ignores SIGINT must not die because the signal happened to
// arrive during one of its 10 µs callbacks.
const interruptGrace = 700 * time.Millisecond

// interrupt is engine.Hooks.Interrupt: Ctrl-C (or Ctrl-\) stops a
// callback that is still running interruptGrace later.
func (g *guard) interrupt(sig syscall.Signal) {
	cur := g.running.Load()
	if cur == 0 {
		return
	}
	go func() {
		select {
		case <-time.After(interruptGrace):
		case <-g.done:
			return
		}
		if g.running.Load() == cur {
			g.cancel(fmt.Errorf("interrupted by the terminal (%s)", engine.SignalName(sig)))
		}
	}()
}

func (g *guard) watch() {
	tick := 50 * time.Millisecond
	if g.timeout > 0 && g.timeout/10 < tick {
		tick = max(g.timeout/10, time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var seen uint64     // the running callback at the last tick
	var since time.Time // when it was first seen running
	for {
		var now time.Time
		select {
		case <-g.done:
			return
		case now = <-t.C:
		}
		cur := g.running.Load()
		if cur == 0 {
			seen = 0
			continue
		}
		if cur != seen {
			// begun since the last tick: time it from this one
			seen, since = cur, now
		}
		if g.timeout > 0 && now.Sub(since) >= g.timeout {
			g.cancel(fmt.Errorf("%s timed out after %v", g.what, g.timeout))
			continue
		}
		if g.memLimit > 0 {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > g.memLimit {
				g.cancel(fmt.Errorf("%s exceeded the memory limit of %d MiB", g.what, g.memLimit>>20))
			}
		}
	}
}

// call runs the function and arguments on the stack under the guard.
func (g *guard) call(L *lua.LState, nargs, nret int) error {
	L.SetContext(g.ctx)
	g.seq++
	g.running.Store(g.seq)
	err := L.PCall(nargs, nret, nil)
	g.running.Store(0)
	L.RemoveContext()
	if err != nil && g.ctx.Err() != nil {
		// gopher-lua reports "context canceled"; say why.
		var api *lua.ApiError
		if errors.As(err, &api) {
			if s, ok := api.Object.(lua.LString); ok {
				api.Object = lua.LString(strings.Replace(string(s), context.Canceled.Error(), context.Cause(g.ctx).Error(), 1))
			}
		}
	}
	return err
}
