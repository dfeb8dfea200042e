package bindings

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

func nr(t *testing.T, name string) int {
	t.Helper()
	n, ok := decode.Number(name)
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	return n
}

// call.args[i]: each argument typed by its signature.
func TestArgValues(t *testing.T) {
	for _, c := range []struct {
		call string
		arg  int
		reg  uint64
		want lua.LValue
	}{
		{"openat", 0, 0xffffff9c, lua.LNumber(-100)},                            // AT_FDCWD zero-extended
		{"openat", 0, 0xffffffff_ffffff9c, lua.LNumber(-100)},                   // sign-extended
		{"openat", 0, 0x12345678_ffffff9c, lua.LNumber(-100)},                   // junk above: dropped
		{"openat", 2, 0xffffffff_00000241, lua.LNumber(0x241)},                  // int flags
		{"openat", 1, 0x7ffc_0000_1000, lua.LNumber(0x7ffc_0000_1000)},          // pointer
		{"openat", 1, 0xffff_8000_0000_0000, lua.LString("0xffff800000000000")}, // beyond 2^53
		{"close", 0, 0xffffffff, lua.LNumber(-1)},
		{"read", 2, 1 << 53, lua.LString("0x20000000000000")}, // size_t at 2^53
		{"read", 2, 1<<53 - 1, lua.LNumber(1<<53 - 1)},
		{"lseek", 1, 0xffffffff_ffffffff, lua.LNumber(-1)}, // off_t
		{"lseek", 1, uint64(1<<63 + 5), lua.LString("0x8000000000000005")},
		{"setresuid", 0, 0xffffffff_ffffffff, lua.LNumber(4294967295)}, // uid_t
		{"kill", 1, 0x1_00000009, lua.LNumber(9)},
		{"getpid", 0, 0xdead, lua.LNumber(0xdead)}, // undeclared: raw
		{"getpid", 0, 0xffffffff_ffffffff, lua.LString("0xffffffffffffffff")},
	} {
		got := typedValue(decode.ArgKinds(nr(t, c.call))[c.arg], c.reg)
		if got != c.want {
			t.Errorf("%s arg %d = %#x: got %v (%s), want %v (%s)", c.call, c.arg+1, c.reg, got, got.Type(), c.want, c.want.Type())
		}
	}
}

// on_return's ret: a failure is the negative errno whatever the type.
func TestRetValues(t *testing.T) {
	for _, c := range []struct {
		call string
		ret  int64
		want lua.LValue
	}{
		{"openat", 3, lua.LNumber(3)},
		{"openat", -2, lua.LNumber(-2)},
		{"read", 1 << 40, lua.LNumber(1 << 40)},
		{"mmap", 0x7f12_3456_7000, lua.LNumber(0x7f12_3456_7000)},
		{"mmap", -12, lua.LNumber(-12)},                                   // ENOMEM
		{"mmap", -4096, lua.LString("0xfffffffffffff000")},                // an address, not an errno
		{"mmap", 0x0100_0000_0000_0000, lua.LString("0x100000000000000")}, // LA57 address beyond 2^53
		{"getuid", 0xffffffff, lua.LNumber(4294967295)},
		{"getuid", -1, lua.LNumber(-1)},
		{"lseek", 1 << 60, lua.LString("0x1000000000000000")},
	} {
		got := retValue(nr(t, c.call), c.ret)
		if got != c.want {
			t.Errorf("%s ret %d: got %v (%s), want %v (%s)", c.call, c.ret, got, got.Type(), c.want, c.want.Type())
		}
	}
}

// Values a double cannot hold come back as strings: {"retval", "0x…"}.
func TestRetvalString(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tb := L.NewTable()
	tb.RawSetInt(1, lua.LString("retval"))
	tb.RawSetInt(2, lua.LString("0xffff800000000000"))
	d, err := toDecision(tb)
	if err != nil || uint64(d.Value) != 0xffff800000000000 {
		t.Errorf("decision %+v, %v", d, err)
	}
}
