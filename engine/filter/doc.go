// Package filter describes seccomp filters as plain data and turns them into
// the kernel's wire format.
//
// A [Spec] is a default [Action] plus an ordered list of [Rule]s. It has only
// exported, plain fields so the engine can build it from Lua, log it, compare
// it and ship it to another process (gob or JSON) without dragging libseccomp
// or the Lua VM along. This package never imports gopher-lua: the scripting
// layer translates Lua values into a Spec, not the other way round.
//
// [Spec.PFC] and [Spec.BPF] compile the spec with libseccomp for the native
// architecture and return libseccomp's human-readable pseudo filter code or
// the raw struct sock_filter array. Nothing here ever loads a filter into the
// current process: libseccomp-golang forces SECCOMP_FILTER_FLAG_TSYNC, so a
// strict filter loaded from Go would apply to every runtime thread and kill
// the tracer itself. The tracer installs the exported BPF in the child,
// right before execve.
//
// Syscall names and numbers come from libseccomp's tables for the native
// architecture and errno names from golang.org/x/sys/unix, so the package has
// no hand-maintained lists that could drift from the system.
//
// Zero values of [ActionKind] and [Op] are invalid on purpose: a forgotten
// field must be an error, never a silently permissive filter.
//
// Everything is safe for concurrent use: a Spec is a value, lookup tables are
// built once, and every export creates and releases its own libseccomp
// context.
package filter
