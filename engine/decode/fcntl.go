package decode

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"
)

// fcntl's structures (struct flock, struct f_owner_ex) and the commands'
// argument and return annotations, as strace 6.1 prints them.

func init() {
	unknownDefaults[setFOwnerTypes] = "F_OWNER_???"
	unknownDefaults[setFSeals] = "F_SEAL_???"
}

// flockText is struct flock; the l_pid field only for F_GETLK's answer.
func flockText(s *state, addr uint64, withPid bool) (string, any, bool) {
	var fl unix.Flock_t
	if !readStruct(s, addr, &fl) {
		return "", nil, false
	}
	t := "{l_type=" + setLockTypes.enumText(uint64(uint16(fl.Type))) +
		", l_whence=" + setWhence.enumText(uint64(uint16(fl.Whence))) +
		", l_start=" + strconv.FormatInt(fl.Start, 10) +
		", l_len=" + strconv.FormatInt(fl.Len, 10)
	v := map[string]any{"l_type": int64(fl.Type), "l_whence": int64(fl.Whence), "l_start": fl.Start, "l_len": fl.Len}
	if withPid {
		t += ", l_pid=" + strconv.FormatInt(int64(fl.Pid), 10)
		v["l_pid"] = int64(fl.Pid)
	}
	return t + "}", v, true
}

// ownerExText is struct f_owner_ex {int type; pid_t pid;}.
func ownerExText(s *state, addr uint64) (string, any, bool) {
	var b [8]byte
	if !readFull(s.mem, addr, b[:]) {
		return "", nil, false
	}
	typ := int32(binary.NativeEndian.Uint32(b[:]))
	pid := int32(binary.NativeEndian.Uint32(b[4:]))
	return "{type=" + setFOwnerTypes.enumText(uint64(uint32(typ))) + ", pid=" + strconv.FormatInt(int64(pid), 10) + "}",
		map[string]any{"type": int64(typ), "pid": int64(pid)}, true
}

// fcntlOut shows an out struct at the call's exit, the address when the
// call failed.
func fcntlOut(s *state, i int, fill func(s *state, addr uint64) (string, any, bool)) {
	pendingPtr(s, i, param{})
	s.c.exitFns = append(s.c.exitFns, func(s *state) {
		outStruct(s, i, func(addr uint64) (string, any, bool) { return fill(s, addr) })
	})
}

// fcntl64Enum is printxval64: the whole register, in hex when unknown.
func fcntl64Enum(t *set, v uint64) string {
	if name, ok := t.lookup(v); ok {
		return name
	}
	return hexText(v) + t.unknownComment()
}

// fcntlRetNote is the annotation strace adds to F_GETLEASE, F_GETSIG and
// F_GET_SEALS results.
func fcntlRetNote(s *state, cmd int) {
	switch cmd {
	case unix.F_GETLEASE:
		if !s.failed() {
			s.c.retKind = kindHex
			if name, ok := setLockTypes.lookup(uint64(s.c.Ret)); ok {
				s.c.retNote = " (" + name + ")"
			}
		}
	case unix.F_GETSIG:
		if !s.failed() && s.c.Ret != 0 {
			s.c.retNote = " (" + signalText(s.c.Ret) + ")"
		}
	case unix.F_GET_SEALS:
		if !s.failed() && s.c.Ret != 0 {
			s.c.retKind, s.c.retNote = kindHex, " (seals "+setFSeals.flagsText(uint64(s.c.Ret))+")"
		}
	}
}
