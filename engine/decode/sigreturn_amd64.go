package decode

// sigmaskOffset: at rt_sigreturn the stack pointer is just past the frame's
// return address (struct rt_sigframe starts 8 bytes below it); uc_sigmask
// follows uc_flags, uc_link, uc_stack (24) and uc_mcontext (256) in the
// frame's ucontext, after that return address: -8 + 8 + 296.
const sigmaskOffset = 296
