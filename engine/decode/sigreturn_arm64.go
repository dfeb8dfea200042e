package decode

// sigmaskOffset: at rt_sigreturn the stack pointer is the frame: a 128-byte
// siginfo, then the ucontext, whose uc_sigmask follows uc_flags, uc_link
// and uc_stack (24).
const sigmaskOffset = 128 + 8 + 8 + 24
