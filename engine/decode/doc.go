// Package decode turns a syscall's number, raw arguments and return value
// into what strace would print, and into named, typed values for scripts and
// JSON. It knows nothing about ptrace or Lua: the tracee is a [Memory].
//
// # The table
//
// Signatures, argument types, flag and value sets and strace's classes come
// from syscalls.spec; `go generate` turns it into ztypes.go and
// zsyscalls_<arch>.go (amd64 and arm64). Syscall numbers come from
// libseccomp's tables at generation time, constant values from
// golang.org/x/sys/unix when the package is compiled, so no number is typed
// by hand. Each type in the spec has one decoder here; a test fails when a
// type has none. A syscall libseccomp knows but the spec lacks would print
// six hex arguments (the generator names them; the list is empty today).
//
// # Entry and exit
//
// [Decode] runs at the call's entry and reads everything the kernel will
// read (paths, write buffers, socket addresses, argv) while the tracee is
// stopped there: after the call that memory may be gone (a successful
// execve replaces it) or changed. Out arguments show their address until
// [Call.Exit], given the return value and the tracee at the exit, reads what
// the kernel wrote (read's buffer, stat's struct), as strace does once a
// call has returned successfully; after a failure they stay addresses.
//
// # Output rules (strace 6.1's)
//
//   - Strings and buffers are quoted with C escapes, octal for other bytes,
//     and cut at Options.StrSize (-s, default 32) with "..." after the
//     quote; file names are never cut (up to PATH_MAX).
//   - Flags print in strace's order with unknown bits in hex; unknown values
//     print as 0x… /* PREFIX_??? */.
//   - A failed call returns "-1 ENAME (strerror text)"; a call a signal
//     interrupted returns "? ERESTARTSYS (…)"; exit and exit_group "?".
//   - Arguments strace leaves out for a call (open's mode without O_CREAT,
//     the futex arguments an operation does not use) are Hidden: still
//     decoded, not printed.
//   - With Options.FdPaths (-y) descriptors print as N</path>, and AT_FDCWD
//     as AT_FDCWD</cwd> when the Memory can tell the working directory.
//
// Known differences from strace: structures strace expands but this package
// prints as addresses (termios, flock, siginfo, open_how, clone3's args,
// PR_SET_SECCOMP's filter, msghdr control data), the
// prctl options listed in prctl.go printed in hex, rt_sigreturn without
// the mask (it would need the stack pointer), and ppoll without the time
// left.
//
// # Safety
//
// Every input is tracee-controlled: any argument values, any memory, any
// return value. Decoders never panic, bound every read (strings by -s or
// PATH_MAX, arrays by -s elements, structs by their size) and print the
// address when memory cannot be read, as strace does. FuzzDecode checks
// this.
package decode

//go:generate go run ./internal/gen -spec syscalls.spec -out .
