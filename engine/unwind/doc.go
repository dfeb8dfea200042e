// Package unwind walks the user-space stack of a stopped thread, the way
// strace -k shows it: the DWARF call frame information (.eh_frame, and
// .debug_frame when present) of the ELF files mapped by the process
// (/proc/PID/maps), with frame pointers where a file has no CFI for the
// address, and the nearest preceding function symbol (.dynsym, .symtab) of
// each return address.
//
// It knows nothing of ptrace: the caller hands it the registers of a
// thread it keeps stopped (Regs from the ptrace register file) and a
// Memory that reads the tracee's memory. The tracee controls its stack and
// may map crafted ELF files, so every walk is bounded: at most MaxFrames
// frames, ELF sections above size limits are ignored, CFI programs and
// DWARF expressions run for a bounded number of steps, and malformed data
// ends the walk (or leaves the file without CFI) instead of panicking.
//
// A mapped file is opened through /proc/PID/map_files when the tracer may
// (CAP_SYS_ADMIN), else by its path only if that is still a regular file
// with the mapping's device and inode, without blocking.
//
// An Unwinder caches parsed files by path, device, inode and modification
// time, and each process's mappings until Invalidate (after mmap, munmap,
// mprotect, mremap, execve) or until an address falls outside them. An
// Unwinder is not safe for concurrent use.
package unwind
