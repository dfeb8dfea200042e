// Command sctrace-lua runs Lua scripts that build seccomp policies, fork and
// exec processes under them, and trace the selected syscalls; its
// subcommands (run, trace, explain) are shipped scripts.
//
// # Threading and lifetime
//
// init locks the main goroutine to the main OS thread, which becomes the
// tracer thread: the Lua interpreter, every ptrace request and wait4 run
// there. The same binary is the Process.fork helper: main hands over to
// bindings.RunChild when started in that mode. This package only parses
// flags, wires the Runtime and maps errors to exit codes.
package main
