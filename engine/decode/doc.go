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
//   - Options.Hex (-x, -xx) prints strings as \xNN: with -x a whole string
//     when one byte is neither printable ASCII nor \t \n \v \f \r.
//   - Structures show their first fields and "..." unless Options.Verbose
//     (-v): then every field (stat's with dates in local time, utsname,
//     rusage, execve's environment strings).
//   - With Options.FdPaths (-y) descriptors print as N</path>, and AT_FDCWD
//     as AT_FDCWD</cwd> when the Memory can tell the working directory.
//
// Known differences from strace: structures strace expands but this package
// prints as addresses (most ioctl structures but termios and winsize,
// siginfo, open_how, PR_SET_SECCOMP's filter, msghdr control data),
// ioctl requests outside ioctls' table printed as _IOC(…), the prctl
// options listed in prctl.go printed in hex, and termios always in its
// abbreviated form (strace -v adds c_line and c_cc). rt_sigreturn's mask
// needs a Memory that tells the stack pointer (*engine.Stop does); without
// one it prints rt_sigreturn().
//
// # Safety
//
// Every input is tracee-controlled: any argument values, any memory, any
// return value. Decoders never panic, bound every read (strings by -s or
// PATH_MAX, arrays by -s elements or 4096 with -v, structs by their size)
// and print the address when memory cannot be read, as strace does.
// FuzzDecode checks this.
package decode

//go:generate go run ./internal/gen -spec syscalls.spec -out .
