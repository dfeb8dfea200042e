// Package lua51 makes gopher-lua (v1.1.2, used unmodified) run Lua 5.1 as
// the reference manual defines it where its compiler and VM do not. Every
// chunk the host compiles goes through [Rewrite] between parse.Parse and
// lua.Compile (bindings/forksnap's compile hook), and [Open] replaces
// pcall and xpcall. Two upstream bugs are fixed, in our code.
//
// # Multiple assignment (yuin/gopher-lua#440)
//
// The manual (§2.4.3): "In a multiple assignment, Lua first evaluates all
// values and only then executes the assignments." gopher-lua compiles each
// right-hand expression straight into the register of a local target, so a
// later expression reads the new value: `x, y = y, x` gives y, y, and
// `a, b = a + 1, a + b` uses the new a. Table targets are worse: the object
// and key are taken from the local's register after it may have been
// overwritten (`t, t.f = {}, 1` sets the new table's f), and a global next
// to a table field can be stored from the wrong register. Rewrite turns
// every assignment with several targets into
//
//	do local (o1), (k1) = obj1, key1   -- table targets' object and key
//	   local (v1), …, (vn) = e1, …, em -- every value, adjusted as in Lua
//	   targetn = (vn) … target1 = (v1) -- last first, as Lua 5.1 does
//	end
//
// The temporaries' names are not identifiers, so no script can see them
// (debug.getlocal shows them, like Lua's own "(for index)"). A table
// target's object or key is not copied when it cannot change while the
// values are evaluated: a constant, or a local no closure captures and this
// statement does not assign.
//
// # Captured locals across errors (yuin/gopher-lua#448)
//
// gopher-lua keeps one list of open upvalues per thread. When an error is
// raised with no handler set (pcall, or a Go PCall with a nil handler),
// raiseError closes the open upvalues of every frame on the stack, not
// just the frames the error unwinds: a closure made before the pcall then
// holds a private copy of its captured local while the function that made
// it goes on with the register, and they no longer see each other's
// writes. When a handler is set (xpcall), nothing is closed: a closure made
// in an unwound frame keeps pointing at a register that later calls reuse,
// and reads another frame's values.
//
// The fix has two halves:
//
//   - A cell for each local that a closure captures and that is assigned
//     anywhere after its declaration (by the function that declares it or
//     by any closure). Rewrite stores such a local in a one-element table
//     made right after the declaration (`x = {x}`, at the top of the body
//     for parameters and loop variables) and turns every use into `x[1]`.
//     The local's own register then never changes, so closing an upvalue
//     early, wherever it happens, copies a reference to the same cell and
//     sharing survives. A captured local that is never assigned after its
//     declaration needs no cell: an early copy equals the register. Locals
//     that no closure captures are untouched, and so is the code of
//     functions that capture nothing reassigned.
//   - pcall and xpcall that close, at the moment of the error and before
//     the stack is cleared, the upvalues of the frames the error unwinds.
//     gopher-lua exposes no way to close part of the list, so the handler
//     closes all of it (harmless given the cells) the only public way:
//     with no handler flag set, a raised error closes everything. The flag
//     is set while a PCall with a handler runs and cleared when any PCall
//     returns, so the handler runs one empty protected call (clears it) and
//     one that raises (closes). This also covers errors that do not go
//     through raiseError (a Go panic in a Go function, an error propagated
//     out of coroutine.wrap, dofile's), which leave upvalues open even
//     under plain pcall.
//
// gopher-lua pushes a PCall's handler without checking for room, so an
// error that fills the registry (unpack of 10^7 values) would escape a
// pcall with a handler; pcall therefore runs the call inside one more
// protected call of its own. xpcall's handler is a Go closure around the
// script's; debug.traceback as the handler is called one level up, so
// `xpcall(f, debug.traceback)` prints the frames it prints without us.
//
// Cost: a cell is one small table per declaration executed, and each use
// of such a local is one table index. A counting callback (`n = n + 1` on
// a captured local) pays two index operations per stop; see README
// "Performance" for the measurement. Functions whose locals need no cell
// compile to exactly what gopher-lua makes of them.
//
// # What remains
//
//   - debug.getlocal/getupvalue/setlocal/setupvalue see a cell's table,
//     not the value, for a local that needs one.
//   - An error that overflows the Lua call stack cannot call the handler
//     (there is no frame left for it), so upvalues of closures made in the
//     frames it unwinds stay open, as in plain gopher-lua.
//   - Errors caught by the host's own Go PCalls with a nil handler (a
//     start_trace callback that raises) close every upvalue at the raise,
//     which the cells make harmless; one that bypasses raiseError (a Go
//     panic) leaves the unwound frames' upvalues open.
//   - An xpcall handler other than debug.traceback that takes a traceback
//     sees the closing handler as one more "[G]" frame; code inside a
//     pcall that takes a traceback sees pcall's inner frame.
//   - gopher-lua's parser gives `local f = function() … f … end` the same
//     tree as `local function f`, so both see the new f (Lua 5.1: the first
//     sees the enclosing f).
//
// Everything here is deterministic: the fork child recompiles a chunk from
// its source and gets the same proto tree, so proto paths still match.
package lua51
