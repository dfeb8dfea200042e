// Package bindings exposes the engine to Lua: the Seccomp, Process and exec
// globals (and the "seccomp" and "process" modules), Process.fork through a
// re-executed helper child, and Seccomp.start_trace.
//
// # Threading and lifetime
//
// A Runtime owns one *lua.LState and one engine.Session. Both are bound to
// the goroutine and locked OS thread that created the Runtime: create it after
// runtime.LockOSThread and use it from that goroutine only. Lua callbacks run
// synchronously on the tracer thread while the tracee is stopped; every Go to
// Lua call is protected, and a failing callback makes the engine kill the
// traced tree, so no tracee is ever left stopped.
//
// Close kills and reaps forked children that were never traced, waited for
// or killed.
//
// In a helper child (engine.IsHelper), RunChild rebuilds the forked function
// from its snapshot in a fresh Runtime, waits to be released, runs it and
// returns the process exit code.
package bindings
