// Package scripts holds the Lua scripts shipped with sctrace-lua: samples,
// the front ends behind the run/trace/explain subcommands, and shareable
// policies. They are compiled into the binary, so `require
// "policies.deny-network"` works with only the binary installed.
//
// The scripts are data: they run in the interpreter of whoever loads them
// (bindings.Runtime), on its thread; this package holds no state.
package scripts
