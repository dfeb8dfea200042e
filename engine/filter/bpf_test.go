package filter

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// seccompData mirrors struct seccomp_data.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	binary.NativeEndian.PutUint64(b[8:], d.ip)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

type insn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

func decode(prog []byte) ([]insn, error) {
	if len(prog) == 0 || len(prog)%8 != 0 {
		return nil, fmt.Errorf("program length %d is not a positive multiple of 8", len(prog))
	}
	out := make([]insn, len(prog)/8)
	for i := range out {
		b := prog[8*i:]
		out[i] = insn{binary.NativeEndian.Uint16(b), b[2], b[3], binary.NativeEndian.Uint32(b[4:])}
	}
	return out, nil
}

// runBPF is a small classic-BPF interpreter with the kernel's seccomp
// restrictions (aligned 32-bit absolute loads only, forward jumps only).
func runBPF(prog []insn, data []byte) (uint32, error) {
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		cls := in.code & 0x07
		switch cls {
		case unix.BPF_LD, unix.BPF_LDX:
			var v uint32
			switch in.code & 0xe0 {
			case unix.BPF_ABS:
				if in.code&0x18 != unix.BPF_W || in.k%4 != 0 || int(in.k)+4 > len(data) {
					return 0, fmt.Errorf("pc %d: bad load %#x k=%d", pc, in.code, in.k)
				}
				v = binary.NativeEndian.Uint32(data[in.k:])
			case unix.BPF_IMM:
				v = in.k
			case unix.BPF_MEM:
				if in.k >= 16 {
					return 0, fmt.Errorf("pc %d: bad mem %d", pc, in.k)
				}
				v = mem[in.k]
			case unix.BPF_LEN:
				v = uint32(len(data))
			default:
				return 0, fmt.Errorf("pc %d: unsupported load mode %#x", pc, in.code)
			}
			if cls == unix.BPF_LD {
				a = v
			} else {
				x = v
			}
		case unix.BPF_ST, unix.BPF_STX:
			if in.k >= 16 {
				return 0, fmt.Errorf("pc %d: bad mem %d", pc, in.k)
			}
			if cls == unix.BPF_ST {
				mem[in.k] = a
			} else {
				mem[in.k] = x
			}
		case unix.BPF_ALU:
			src := in.k
			if in.code&unix.BPF_X != 0 {
				src = x
			}
			switch in.code & 0xf0 {
			case unix.BPF_ADD:
				a += src
			case unix.BPF_SUB:
				a -= src
			case unix.BPF_MUL:
				a *= src
			case unix.BPF_DIV:
				if src == 0 {
					return 0, fmt.Errorf("pc %d: division by zero", pc)
				}
				a /= src
			case unix.BPF_AND:
				a &= src
			case unix.BPF_OR:
				a |= src
			case unix.BPF_XOR:
				a ^= src
			case unix.BPF_LSH:
				a <<= src
			case unix.BPF_RSH:
				a >>= src
			case unix.BPF_NEG:
				a = -a
			default:
				return 0, fmt.Errorf("pc %d: unsupported alu op %#x", pc, in.code)
			}
		case unix.BPF_JMP:
			if in.code&0xf0 == unix.BPF_JA {
				pc += int(in.k)
				continue
			}
			src := in.k
			if in.code&unix.BPF_X != 0 {
				src = x
			}
			var cond bool
			switch in.code & 0xf0 {
			case unix.BPF_JEQ:
				cond = a == src
			case unix.BPF_JGT:
				cond = a > src
			case unix.BPF_JGE:
				cond = a >= src
			case unix.BPF_JSET:
				cond = a&src != 0
			default:
				return 0, fmt.Errorf("pc %d: unsupported jump %#x", pc, in.code)
			}
			if cond {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case unix.BPF_RET:
			if in.code&0x18 == unix.BPF_A {
				return a, nil
			}
			return in.k, nil
		case unix.BPF_MISC:
			if in.code&0xf8 == unix.BPF_TAX {
				x = a
			} else {
				a = x
			}
		}
	}
	return 0, fmt.Errorf("fell off the end of the program")
}

func nativeAuditArch(t *testing.T) uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64
	}
	t.Skipf("no AUDIT_ARCH constant wired up for %s", runtime.GOARCH)
	return 0
}

func nr(t *testing.T, name string) int {
	t.Helper()
	n, err := SyscallNumber(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type call struct {
	name string
	args [6]uint64
	want uint32
}

func checkProgram(t *testing.T, s Spec, calls []call) {
	t.Helper()
	raw, err := s.BPF()
	if err != nil {
		t.Fatalf("BPF(%s): %v", s, err)
	}
	if len(raw)%8 != 0 {
		t.Fatalf("BPF length %d not a multiple of 8", len(raw))
	}
	prog, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	arch := nativeAuditArch(t)
	for _, c := range calls {
		d := seccompData{nr: int32(nr(t, c.name)), arch: arch, ip: 0x401000, args: c.args}
		got, err := runBPF(prog, d.bytes())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s%v: got %#x, want %#x", c.name, c.args, got, c.want)
		}
	}
}

func mustAdd(t *testing.T, s *Spec, r Rule) {
	t.Helper()
	if err := s.Add(r); err != nil {
		t.Fatal(err)
	}
}

func TestBPFTrace(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 7}, Syscall: nr(t, "connect")})
	checkProgram(t, s, []call{
		{name: "connect", want: unix.SECCOMP_RET_TRACE | 7},
		{name: "getpid", want: unix.SECCOMP_RET_ALLOW},
	})
	if unix.SECCOMP_RET_TRACE|7 != 0x7ff00007 || unix.SECCOMP_RET_ALLOW != 0x7fff0000 {
		t.Fatal("unexpected kernel constants")
	}
}

func TestBPFTraceFullRange(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 0xffff}, Syscall: nr(t, "connect")})
	mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 0x8000}, Syscall: nr(t, "bind")})
	checkProgram(t, s, []call{
		{name: "connect", want: unix.SECCOMP_RET_TRACE | 0xffff},
		{name: "bind", want: unix.SECCOMP_RET_TRACE | 0x8000},
	})
}

func TestBPFErrnoCondition(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{
		Action:  Action{Kind: Errno, Value: uint16(unix.EAFNOSUPPORT)},
		Syscall: nr(t, "socket"),
		Conds:   []Cond{{Arg: 0, Op: EQ, Value: unix.AF_INET6}},
	})
	checkProgram(t, s, []call{
		{name: "socket", args: [6]uint64{unix.AF_INET6, unix.SOCK_STREAM}, want: unix.SECCOMP_RET_ERRNO | 97},
		{name: "socket", args: [6]uint64{unix.AF_INET, unix.SOCK_STREAM}, want: unix.SECCOMP_RET_ALLOW},
		// The high word counts: libseccomp compares all 64 bits.
		{name: "socket", args: [6]uint64{1<<32 | unix.AF_INET6}, want: unix.SECCOMP_RET_ALLOW},
		{name: "connect", want: unix.SECCOMP_RET_ALLOW},
	})
}

func TestBPFSkippedArgument(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{Action: ActionLog, Syscall: nr(t, "openat"), Conds: []Cond{{Arg: 2, Op: GE, Value: 0x1000}}})
	checkProgram(t, s, []call{
		{name: "openat", args: [6]uint64{0, 0, 0x1000}, want: unix.SECCOMP_RET_LOG},
		{name: "openat", args: [6]uint64{0, 0, 0xfff}, want: unix.SECCOMP_RET_ALLOW},
		{name: "openat", args: [6]uint64{0, 0, 1 << 40}, want: unix.SECCOMP_RET_LOG},
	})
}

func TestBPFMaskedEQ(t *testing.T) {
	s := Spec{Default: ActionAllow}
	// Value is the mask and Value2 the expected result; this pins the
	// operand order libseccomp actually uses.
	mustAdd(t, &s, Rule{
		Action:  ActionTrap,
		Syscall: nr(t, "openat"),
		Conds:   []Cond{{Arg: 2, Op: MaskedEQ, Value: unix.O_ACCMODE, Value2: unix.O_WRONLY}},
	})
	checkProgram(t, s, []call{
		{name: "openat", args: [6]uint64{0, 0, unix.O_WRONLY | unix.O_CREAT}, want: unix.SECCOMP_RET_TRAP},
		{name: "openat", args: [6]uint64{0, 0, unix.O_RDWR}, want: unix.SECCOMP_RET_ALLOW},
		{name: "openat", args: [6]uint64{0, 0, unix.O_RDONLY}, want: unix.SECCOMP_RET_ALLOW},
	})
}

func TestBPFOps(t *testing.T) {
	cases := []struct {
		op     Op
		v      uint64
		arg    uint64
		action bool
	}{
		{EQ, 5, 5, true}, {EQ, 5, 6, false},
		{NE, 5, 6, true}, {NE, 5, 5, false},
		{LT, 5, 4, true}, {LT, 5, 5, false},
		{LE, 5, 5, true}, {LE, 5, 6, false},
		{GT, 5, 6, true}, {GT, 5, 5, false},
		{GE, 5, 5, true}, {GE, 5, 4, false},
		{GT, 5, 1 << 33, true}, {LT, 1 << 33, 5, true},
	}
	for _, c := range cases {
		s := Spec{Default: ActionAllow}
		mustAdd(t, &s, Rule{Action: ActionKillThread, Syscall: nr(t, "write"), Conds: []Cond{{Arg: 1, Op: c.op, Value: c.v}}})
		want := uint32(unix.SECCOMP_RET_ALLOW)
		if c.action {
			want = unix.SECCOMP_RET_KILL_THREAD
		}
		t.Run(fmt.Sprintf("arg%s%d_%d", c.op, c.v, c.arg), func(t *testing.T) {
			checkProgram(t, s, []call{{name: "write", args: [6]uint64{0, c.arg}, want: want}})
		})
	}
}

func TestBPFDefaultKill(t *testing.T) {
	s := Spec{Default: ActionKillProcess}
	for _, name := range []string{"read", "write", "exit_group"} {
		mustAdd(t, &s, Rule{Action: ActionAllow, Syscall: nr(t, name)})
	}
	checkProgram(t, s, []call{
		{name: "read", want: unix.SECCOMP_RET_ALLOW},
		{name: "exit_group", want: unix.SECCOMP_RET_ALLOW},
		{name: "getpid", want: unix.SECCOMP_RET_KILL_PROCESS},
		{name: "openat", want: 0x80000000},
	})
}

func TestBPFForeignArch(t *testing.T) {
	s := Spec{Default: ActionAllow}
	raw, err := s.BPF()
	if err != nil {
		t.Fatal(err)
	}
	prog, _ := decode(raw)
	d := seccompData{nr: 1, arch: 0x40000003 /* AUDIT_ARCH_I386 */}
	got, err := runBPF(prog, d.bytes())
	if err != nil {
		t.Fatal(err)
	}
	// libseccomp's default bad-arch action is KILL (thread).
	if got != unix.SECCOMP_RET_KILL_THREAD {
		t.Errorf("foreign arch: got %#x, want kill_thread", got)
	}
}

// TestBPFOverlap pins libseccomp 2.5's answer when two conditional rules on
// different arguments both match: the rule on the higher-numbered argument
// wins, whatever the order of the rules.
func TestBPFOverlap(t *testing.T) {
	for _, c := range []struct{ errnoArg, trapArg int }{{0, 1}, {1, 0}, {2, 5}} {
		for _, errnoFirst := range []bool{true, false} {
			errnoRule := Rule{Action: Action{Kind: Errno, Value: 1}, Syscall: nr(t, "socket"), Conds: []Cond{{Arg: c.errnoArg, Op: EQ, Value: 10}}}
			trapRule := Rule{Action: ActionTrap, Syscall: nr(t, "socket"), Conds: []Cond{{Arg: c.trapArg, Op: EQ, Value: 10}}}
			s := Spec{Default: ActionAllow}
			if errnoFirst {
				mustAdd(t, &s, errnoRule)
				mustAdd(t, &s, trapRule)
			} else {
				mustAdd(t, &s, trapRule)
				mustAdd(t, &s, errnoRule)
			}
			want := uint32(unix.SECCOMP_RET_TRAP)
			if c.errnoArg > c.trapArg {
				want = unix.SECCOMP_RET_ERRNO | 1
			}
			checkProgram(t, s, []call{{name: "socket", args: [6]uint64{10, 10, 10, 10, 10, 10}, want: want}})
		}
	}
}
