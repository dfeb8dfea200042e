package decode

// ValueKind is how a syscall's argument or result register holds its
// value, by the C type the kernel reads it as. Scripts see call.args and
// on_return's ret converted by it.
type ValueKind uint8

const (
	// ValueRaw: no signature says (an argument past the declared ones, a
	// syscall the table lacks): the register as it is, unsigned.
	ValueRaw ValueKind = iota
	// ValueInt32: int, pid_t, a descriptor, a signal, an int-sized enum:
	// the low 32 bits, sign-extended (AT_FDCWD is -100); the kernel ignores
	// the upper half of the register for these.
	ValueInt32
	// ValueUint32: unsigned int, mode_t, uid_t, int-sized flag words: the
	// low 32 bits, zero-extended.
	ValueUint32
	// ValueInt64: long, off_t, ssize_t: the register, signed.
	ValueInt64
	// ValueUint64: unsigned long, size_t, addresses and every pointer: the
	// register, unsigned.
	ValueUint64
)

var valueKindNames = [...]string{"raw", "int32", "uint32", "int64", "uint64"}

func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return "unknown"
}

// Convert applies the kind to a register: signed is true when v is an
// int64 bit pattern (negative values possible), false when v is unsigned.
func (k ValueKind) Convert(reg uint64) (v uint64, signed bool) {
	switch k {
	case ValueInt32:
		return uint64(int64(int32(reg))), true
	case ValueUint32:
		return uint64(uint32(reg)), false
	case ValueInt64:
		return reg, true
	}
	return reg, false
}

// ArgKind is the value kind of argument i (0-based) of syscall nr on this
// architecture; ValueRaw for an argument its signature does not declare.
func ArgKind(nr, i int) ValueKind {
	if i < 0 || i > 5 {
		return ValueRaw
	}
	return ArgKinds(nr)[i]
}

// ArgKinds is ArgKind for all six argument registers, with one look-up.
func ArgKinds(nr int) (kinds [6]ValueKind) {
	s := lookupNr(nr)
	if s == nil || s.unknown {
		return kinds
	}
	for i, p := range s.params {
		if i < len(kinds) {
			kinds[i] = paramValueKind(p)
		}
	}
	return kinds
}

// RetKind is the value kind of syscall nr's result: ValueInt32 for calls
// returning int (and descriptors, pids), ValueInt64 for long, ssize_t and
// off_t, ValueUint32 for unsigned int, mode_t and uid_t, ValueUint64 for
// addresses (mmap, brk, mremap, shmat). A syscall the table lacks is
// ValueInt64. Whatever the kind, a register holding -4095..-1 is a failure
// (a negated errno); callers check that first.
func RetKind(nr int) ValueKind {
	s := lookupNr(nr)
	if s == nil || s.unknown {
		return ValueInt64
	}
	switch s.ret {
	case kindInt, kindFd, kindPid:
		return ValueInt32
	case kindUint, kindOctal, kindMode, kindUid:
		return ValueUint32
	case kindHex, kindPtr, kindUlong:
		return ValueUint64
	}
	return ValueInt64 // long, size (ssize_t), off, none
}

// wideSets are the flag and value sets whose C type is a full register
// (unsigned long or long); every other set is an int or unsigned int.
var wideSets = map[string]ValueKind{
	"mount_flags":     ValueUint64,
	"ptrace_requests": ValueInt64,
}

func paramValueKind(p param) ValueKind {
	switch p.kind {
	case kindInt, kindFd, kindDirfd, kindPid, kindSignal,
		kindSockType, kindSockProto, kindSockoptName, kindFutexOp:
		return ValueInt32
	case kindUint, kindOctal, kindMode, kindFilemode, kindUid,
		kindOpenFlags, kindCreatemode, kindMmapFlags, kindStatxFlags,
		kindIoctlReq, kindDev:
		return ValueUint32
	case kindLong, kindOff:
		return ValueInt64
	case kindFlags, kindEnum:
		if p.set != nil {
			if k, ok := wideSets[p.set.name]; ok {
				return k
			}
		}
		if p.kind == kindEnum {
			return ValueInt32 // int-sized: RUSAGE_CHILDREN is -1
		}
		return ValueUint32
	case kindUlong, kindSize, kindHex, kindPtr, kindCloneFlags, kindIoctlArg, kindFcntlArg,
		kindPath, kindStr, kindInbuf, kindOutbuf, kindHexbuf, kindOutpath,
		kindStrarray, kindEnvp, kindIovecIn, kindIovecOut, kindPollfds,
		kindEpollEvent, kindEpollEventsOut, kindMsghdrIn, kindMsghdrOut,
		kindSockaddr, kindSockaddrOut, kindSocklenInout, kindSockoptVal,
		kindSockoptOut, kindIntptrIn, kindIntptrOut, kindFdpairOut,
		kindWstatusOut, kindStatOut, kindStatxOut, kindTimespecIn,
		kindTimespecOut, kindRemainOut, kindUtsnameOut, kindDirentsOut,
		kindSysinfoOut, kindUidsIn, kindUidsOut, kindRlimitIn, kindRlimitOut,
		kindSigsetIn, kindSigsetOut, kindSigactionIn, kindSigactionOut:
		// unsigned long, size_t, and every pointer: paths, buffers,
		// structs, out arguments (fcntl's and ioctl's third argument is an
		// unsigned long the command gives a meaning).
		return ValueUint64
	}
	if k, ok := groupValueKinds[p.kind]; ok {
		return k
	}
	return ValueRaw // a kind this file does not know yet (a test lists them)
}

// groupValueKinds holds the value kinds of types whose decoders live in
// their own files, set from those files' init functions.
var groupValueKinds = map[kind]ValueKind{}
