package decode

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Some syscalls print differently depending on one argument (the ioctl
// request, the fcntl command, the futex operation): their decoders and
// fixups live here.

func decIoctlReq(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	a.Text = ioctlText(uint32(v))
}

// iocText spells an unknown request as strace does: _IOC(dir, type, nr, size).
func iocText(v uint64) string {
	dirs := [...]string{"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"}
	return fmt.Sprintf("_IOC(%s, %s, %s, %s)", dirs[(v>>30)&3], hexText((v>>8)&0xff), hexText(v&0xff), hexText((v>>16)&0x3fff))
}

var (
	ioctlIntIn  = map[string]bool{"FIONBIO": true, "FIOASYNC": true, "TIOCSPGRP": true, "TIOCSETD": true, "TIOCPKT": true, "TIOCSPTLCK": true}
	ioctlIntOut = map[string]bool{"FIONREAD": true, "TIOCINQ": true, "TIOCOUTQ": true, "TIOCGPGRP": true, "TIOCGSID": true, "TIOCGPTN": true, "TIOCGETD": true, "TIOCGEXCL": true}
	ioctlNoArg  = map[string]bool{"FIOCLEX": true, "FIONCLEX": true, "TIOCNOTTY": true, "TIOCEXCL": true, "TIOCNXCL": true, "TIOCCONS": true, "TIOCSBRK": true, "TIOCCBRK": true, "TIOCVHANGUP": true}
	ioctlIntArg = map[string]bool{"TCSBRK": true, "TCSBRKP": true, "TIOCSCTTY": true, "TIOCSIG": true}
)

func decIoctlArg(s *state, i int, p param) {
	a := s.arg(i)
	name := ioctlArgName(uint32(s.c.Raw[p.ref]))
	switch {
	case ioctlNoArg[name]:
		decHex(s, i, p)
		a.Hidden = true
	case ioctlIntArg[name]:
		decInt(s, i, p)
	case ioctlIntIn[name]:
		decIntptrIn(s, i, p)
	case ioctlIntOut[name]:
		pendingPtr(s, i, p)
		s.c.exitFns = append(s.c.exitFns, func(s *state) { exitIntptrOut(s, i, p) })
	case ioctlArgDecoders[name] != nil:
		ioctlArgDecoders[name](s, i)
	default:
		decHex(s, i, p)
	}
}

func decFcntlArg(s *state, i int, p param) {
	a := s.arg(i)
	switch int(int32(s.c.Raw[p.ref])) {
	case unix.F_SETFD:
		v := uint64(uint32(a.Raw))
		a.Text, a.Value = setFdFlags.flagsText(v), v
	case unix.F_SETFL:
		decOpenFlags(s, i, p)
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC, unix.F_SETOWN, unix.F_SETPIPE_SZ:
		decInt(s, i, p)
	case unix.F_SETSIG:
		decSignal(s, i, p)
	case unix.F_SETLEASE:
		a.Text, a.Value = fcntl64Enum(setLockTypes, a.Raw), a.Raw
	case unix.F_NOTIFY:
		a.Text, a.Value = setDnFlags.flagsText(a.Raw), a.Raw
	case unix.F_ADD_SEALS:
		a.Text, a.Value = setFSeals.flagsText(a.Raw), a.Raw
	case unix.F_GETFD, unix.F_GETFL, unix.F_GETOWN, unix.F_GETSIG, unix.F_GETLEASE, unix.F_GETPIPE_SZ, unix.F_GET_SEALS:
		decHex(s, i, p)
		a.Hidden = true
	case unix.F_SETLK, unix.F_SETLKW, unix.F_OFD_SETLK, unix.F_OFD_SETLKW:
		inStruct(s, i, func(s *state, addr uint64) (string, any, bool) { return flockText(s, addr, false) })
	case unix.F_GETLK, unix.F_OFD_GETLK:
		fcntlOut(s, i, func(s *state, addr uint64) (string, any, bool) { return flockText(s, addr, true) })
	case unix.F_SETOWN_EX:
		inStruct(s, i, ownerExText)
	case unix.F_GETOWN_EX:
		fcntlOut(s, i, ownerExText)
	default:
		decHex(s, i, p)
	}
}

// fixFcntl gives the return value the type the command implies.
func fixFcntl(s *state) {
	switch cmd := int(int32(s.c.Raw[1])); cmd {
	case unix.F_GETLEASE, unix.F_GETSIG, unix.F_GET_SEALS:
		s.c.exitFns = append(s.c.exitFns, func(s *state) { fcntlRetNote(s, cmd) })
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC:
		s.c.retKind = kindFd
	case unix.F_GETOWN:
		s.c.retKind = kindPid
	case unix.F_GETFD:
		s.c.exitFns = append(s.c.exitFns, func(s *state) {
			if !s.failed() && s.c.Ret != 0 {
				s.c.retKind, s.c.retNote = kindHex, " (flags "+setFdFlags.flagsText(uint64(s.c.Ret))+")"
			}
		})
	case unix.F_GETFL:
		s.c.exitFns = append(s.c.exitFns, func(s *state) {
			if !s.failed() {
				s.c.retKind, s.c.retNote = kindHex, " (flags "+openFlagsText(uint64(s.c.Ret))+")"
			}
		})
	}
}

const (
	futexPrivateFlag  = 128
	futexClockRealtim = 256
	futexCmdMask      = ^uint64(futexPrivateFlag | futexClockRealtim)
	futexBitsetAny    = 0xffffffff
)

func decFutexOp(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	name, ok := setFutexCmds.lookup(v & futexCmdMask)
	if !ok {
		a.Text = hexText(v) + setFutexCmds.unknownComment()
		return
	}
	if v&futexPrivateFlag != 0 {
		name += "_PRIVATE"
	}
	if v&futexClockRealtim != 0 {
		name += "|FUTEX_CLOCK_REALTIME"
	}
	a.Text = name
}

// fixFutex shows only the arguments the operation uses, as strace does.
func fixFutex(s *state) {
	args := s.c.Args
	if len(args) < 6 {
		return
	}
	op := uint64(uint32(s.c.Raw[1]))
	cmd, known := setFutexCmds.lookup(op & futexCmdMask)
	show := func(idx ...int) {
		for j := 2; j < 6; j++ {
			args[j].Hidden = true
		}
		for _, j := range idx {
			args[j].Hidden = false
		}
	}
	val2 := func() {
		args[3].Text, args[3].Value = strconv.FormatUint(uint64(uint32(s.c.Raw[3])), 10), uint64(uint32(s.c.Raw[3]))
	}
	bitset := func() {
		if uint32(s.c.Raw[5]) == futexBitsetAny {
			args[5].Text = "FUTEX_BITSET_MATCH_ANY"
		} else {
			args[5].Text = hexText(uint64(uint32(s.c.Raw[5])))
		}
	}
	switch {
	case !known:
		args[3].Text = hexText(s.c.Raw[3])
	case cmd == "FUTEX_WAIT":
		show(2, 3)
	case cmd == "FUTEX_WAKE", cmd == "FUTEX_FD":
		show(2)
	case cmd == "FUTEX_REQUEUE":
		show(2, 3, 4)
		val2()
	case cmd == "FUTEX_CMP_REQUEUE", cmd == "FUTEX_CMP_REQUEUE_PI":
		show(2, 3, 4, 5)
		val2()
	case cmd == "FUTEX_WAKE_OP":
		show(2, 3, 4, 5)
		val2()
		args[5].Text = futexWakeOpText(uint32(s.c.Raw[5]))
	case cmd == "FUTEX_LOCK_PI", cmd == "FUTEX_LOCK_PI2":
		show(3)
	case cmd == "FUTEX_UNLOCK_PI", cmd == "FUTEX_TRYLOCK_PI":
		show()
	case cmd == "FUTEX_WAIT_BITSET":
		show(2, 3, 5)
		bitset()
	case cmd == "FUTEX_WAKE_BITSET":
		show(2, 5)
		bitset()
	case cmd == "FUTEX_WAIT_REQUEUE_PI":
		show(2, 3, 4)
	}
}

// futexWakeOpText spells FUTEX_WAKE_OP's encoded operation.
func futexWakeOpText(v uint32) string {
	ops := [...]string{"FUTEX_OP_SET", "FUTEX_OP_ADD", "FUTEX_OP_OR", "FUTEX_OP_ANDN", "FUTEX_OP_XOR"}
	cmps := [...]string{"FUTEX_OP_CMP_EQ", "FUTEX_OP_CMP_NE", "FUTEX_OP_CMP_LT", "FUTEX_OP_CMP_LE", "FUTEX_OP_CMP_GT", "FUTEX_OP_CMP_GE"}
	op, cmp := (v>>28)&7, (v>>24)&0xf
	var b strings.Builder
	if v&(8<<28) != 0 {
		b.WriteString("FUTEX_OP_OPARG_SHIFT<<28|")
	}
	if int(op) < len(ops) {
		b.WriteString(ops[op] + "<<28")
	} else {
		b.WriteString(hexText(uint64(op)) + "<<28")
	}
	fmt.Fprintf(&b, "|%s<<12|", hexText(uint64((v>>12)&0xfff)))
	if int(cmp) < len(cmps) {
		b.WriteString(cmps[cmp] + "<<24")
	} else {
		b.WriteString(hexText(uint64(cmp)) + "<<24")
	}
	b.WriteString("|" + hexText(uint64(v&0xfff)))
	return b.String()
}

// fixClone prints clone as strace does: name=value, the stack first, and
// the tid and tls pointers only when the flags make the kernel use them.
func fixClone(s *state) {
	byName := map[string]*Arg{}
	for j := range s.c.Args {
		byName[s.c.Args[j].Name] = &s.c.Args[j]
	}
	flags, stack := byName["flags"], byName["stack"]
	if flags == nil || stack == nil {
		return
	}
	f := flags.Raw
	parts := []string{"child_stack=" + stack.Text, "flags=" + flags.Text}
	if a := byName["parent_tid"]; a != nil && f&unix.CLONE_PARENT_SETTID != 0 {
		parts = append(parts, "parent_tid="+a.Text)
	}
	if a := byName["child_tid"]; a != nil && f&(unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID) != 0 {
		parts = append(parts, "child_tidptr="+a.Text)
	}
	if a := byName["tls"]; a != nil && f&unix.CLONE_SETTLS != 0 {
		parts = append(parts, "tls="+a.Text)
	}
	s.c.argsText = strings.Join(parts, ", ")
}

// fixMremap: the new address counts only with MREMAP_FIXED.
func fixMremap(s *state) {
	if len(s.c.Args) == 5 {
		s.c.Args[4].Hidden = s.c.Raw[3]&unix.MREMAP_FIXED == 0
	}
}

var fixups = map[string]func(*state){
	"mremap": fixMremap,
	"fcntl":  fixFcntl,
	"futex":  fixFutex,
	"clone":  fixClone,
}
