package decode

import (
	"encoding/binary"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// struct clone_args (linux/sched.h): eleven u64 fields; the kernel accepts
// any size from the first version (up to tls) on.
const (
	cloneArgsMin  = 64 // CLONE_ARGS_SIZE_VER0: flags … tls
	cloneArgsSize = 88 // VER2: set_tid, set_tid_size, cgroup
)

// clone3's own flags, above the 32 bits clone takes (strace's
// clone3_flags), and CLONE_NEWTIME, which shares its bit with CSIGNAL's.
var clone3Extra = []setEntry{
	{unix.CLONE_NEWTIME, "CLONE_NEWTIME"},
	{unix.CLONE_CLEAR_SIGHAND, "CLONE_CLEAR_SIGHAND"},
	{unix.CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"},
}

type cloneArgs struct {
	flags, pidfd, childTid, parentTid, exitSignal, stack, stackSize, tls, setTid, setTidSize, cgroup uint64
}

// readCloneArgs reads what the kernel reads of the struct: size bytes, at
// most the struct this package knows.
func readCloneArgs(s *state, addr, size uint64) (cloneArgs, int, bool) {
	n := min(size, cloneArgsSize)
	var b [cloneArgsSize]byte
	if n < cloneArgsMin || !readFull(s.mem, addr, b[:n]) {
		return cloneArgs{}, 0, false
	}
	f := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	return cloneArgs{f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), f(8), f(9), f(10)}, int(n), true
}

func clone3FlagsText(v uint64) string {
	var extra []string
	for _, e := range clone3Extra {
		if v&e.value != 0 {
			extra = append(extra, e.name)
			v &^= e.value
		}
	}
	if len(extra) == 0 {
		return setCloneFlagBits.flagsText(v)
	}
	if v == 0 {
		return strings.Join(extra, "|")
	}
	return setCloneFlagBits.flagsText(v) + "|" + strings.Join(extra, "|")
}

// fixClone3 prints struct clone_args as strace does: the fields the flags
// make the kernel use, and at the exit what it wrote back (the pidfd and
// the parent's copy of the new tid) after "=>".
func fixClone3(s *state) {
	if len(s.c.Args) < 2 {
		return
	}
	a := &s.c.Args[0]
	size := s.c.Raw[1]
	ca, n, ok := readCloneArgs(s, a.Raw, size)
	if !ok {
		return // the address, as decPtr printed it
	}
	var b strings.Builder
	b.WriteString("{flags=" + clone3FlagsText(ca.flags))
	field := func(name, text string) { b.WriteString(", " + name + "=" + text) }
	if ca.flags&unix.CLONE_PIDFD != 0 {
		field("pidfd", ptrText(ca.pidfd))
	}
	if ca.flags&(unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID) != 0 {
		field("child_tid", ptrText(ca.childTid))
	}
	if ca.flags&unix.CLONE_PARENT_SETTID != 0 {
		field("parent_tid", ptrText(ca.parentTid))
	}
	if ca.exitSignal < 1<<31-1 {
		field("exit_signal", signalText(int64(ca.exitSignal)))
	} else {
		field("exit_signal", strconv.FormatUint(ca.exitSignal, 10))
	}
	field("stack", ptrText(ca.stack))
	field("stack_size", hexText(ca.stackSize))
	if ca.flags&unix.CLONE_SETTLS != 0 {
		field("tls", ptrText(ca.tls))
	}
	if ca.setTid != 0 || ca.setTidSize != 0 {
		field("set_tid", setTidText(s, ca))
		field("set_tid_size", strconv.FormatUint(ca.setTidSize, 10))
	}
	if n > 80 && (ca.cgroup != 0 || ca.flags&unix.CLONE_INTO_CGROUP != 0) {
		field("cgroup", strconv.FormatUint(ca.cgroup, 10))
	}
	b.WriteString("}")
	a.Text = b.String()
	if ca.flags&(unix.CLONE_PIDFD|unix.CLONE_PARENT_SETTID) == 0 {
		return
	}
	entry, addr := a.Text, a.Raw
	s.c.exitFns = append(s.c.exitFns, func(s *state) {
		if s.failed() {
			return
		}
		ca, _, ok := readCloneArgs(s, addr, size)
		if !ok {
			s.c.Args[0].Text = entry + " => " + ptrText(addr)
			return
		}
		var parts []string
		if ca.flags&unix.CLONE_PIDFD != 0 {
			parts = append(parts, "pidfd="+intOrAddr(s, ca.pidfd))
		}
		if ca.flags&unix.CLONE_PARENT_SETTID != 0 {
			parts = append(parts, "parent_tid="+intOrAddr(s, ca.parentTid))
		}
		s.c.Args[0].Text = entry + " => {" + strings.Join(parts, ", ") + "}"
	})
}

// setTidText is the set_tid array of at most 32 pids, or its address.
func setTidText(s *state, ca cloneArgs) string {
	if ca.setTid == 0 || ca.setTidSize == 0 || ca.setTidSize > 32 {
		return ptrText(ca.setTid)
	}
	b := make([]byte, 4*ca.setTidSize)
	if !readFull(s.mem, ca.setTid, b) {
		return ptrText(ca.setTid)
	}
	parts := make([]string, ca.setTidSize)
	for i := range parts {
		parts[i] = strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(b[4*i:]))), 10)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// intOrAddr is strace's printnum_int: [N], or the address when unreadable.
func intOrAddr(s *state, addr uint64) string {
	if t, _, ok := intAt(s, addr); ok {
		return t
	}
	return ptrText(addr)
}

func init() { fixups["clone3"] = fixClone3 }
