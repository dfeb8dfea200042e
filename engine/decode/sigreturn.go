package decode

// stackReader is a Memory that can tell the stack pointer at the call;
// *engine.Stop is one. rt_sigreturn needs it to find the signal frame.
type stackReader interface {
	StackPointer() uint64
}

// fixRtSigreturn prints the mask the call restores, {mask=[…]}, read from
// the signal frame the stack pointer points into (sigmaskOffset, per
// architecture); without a stack pointer nothing is printed.
func fixRtSigreturn(s *state) {
	sr, ok := s.mem.(stackReader)
	if !ok {
		return
	}
	sp := sr.StackPointer()
	if sp == 0 {
		return
	}
	addr := sp + sigmaskOffset
	var b [8]byte // the kernel's sigset_t
	if !readFull(s.mem, addr, b[:]) {
		s.c.argsText = "{mask=" + ptrText(addr) + "}"
		return
	}
	s.c.argsText = "{mask=" + sigsetText(b[:]) + "}"
}

func init() { fixups["rt_sigreturn"] = fixRtSigreturn }
