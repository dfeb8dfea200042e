// Package forksnap carries a Lua function across Process.fork.
//
// Go cannot fork and keep running Go code in the child, so the child is this
// binary re-executed with a fresh gopher-lua interpreter. For that to look
// like a real fork to the forked function, the parent snapshots what the
// function can see (Encode) and the child rebuilds it (Decode) before
// calling it.
//
// # How functions travel
//
// Compiled code cannot be serialised, but gopher-lua compiles identical
// source to an identical proto tree. So a Lua function travels as its
// chunk's source plus the index path to its proto; the child recompiles and
// walks the path. That only works for code compiled through a [Chunks]
// record: the host loads the main script, -e code and required modules
// through it, and [Chunks.Install] routes load, loadstring, loadfile, dofile
// and the package.path searcher through it too.
//
// # What is carried
//
//   - nil, booleans, numbers (bit-exact), strings (any bytes), tables with
//     their metatables; identity and cycles are kept, so a table or upvalue
//     reached twice is one object in the child, and closures sharing an
//     upvalue still share it.
//   - Lua functions from recorded chunks, with their upvalues.
//   - Builtins (stdlib and host modules, as indexed by [IndexBuiltins]) go
//     by name and resolve to the child's own copy. If the script added,
//     changed or removed fields of a builtin table, those fields travel as a
//     patch applied to the child's table when that table is reached.
//   - Userdata whose Value implements [Carrier], rebuilt by a [Decoder].
//   - Globals: only those the carried code names (GETGLOBAL/SETGLOBAL in any
//     carried function's proto tree), and only when their value differs
//     from the builtin of that name. Dynamic access (_G[k]) is invisible and
//     such globals are not carried; a metatable on _G is not carried either.
//   - A function's environment: the globals table maps to the child's
//     globals; a setfenv table is carried like any other table.
//
// Coroutines, channels, open files, Go closures made at run time and
// userdata without Carrier cannot be rebuilt, so Encode fails with an
// [*UncarriableError] naming the variable path (errors.Is ErrUncarriable),
// rather than handing the child a silently different world.
//
// # Lifetime and threading
//
// An LState is single-goroutine, and so is everything here tied to one:
// a [Chunks] belongs to one interpreter for its whole life (any function
// may be forked later, so every compiled chunk is kept; identical source is
// kept once), and Encode/Decode must run on the goroutine that owns L, while
// L is not executing on another one. A [Builtins] index is read-only after
// IndexBuiltins and may be shared, but it names values of the state it was
// built from. Parent and child must open their states identically (same
// libraries, same host modules, Install, then IndexBuiltins) so builtin
// names resolve to the same things.
package forksnap
