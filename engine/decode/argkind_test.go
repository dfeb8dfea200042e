package decode

import (
	"math"
	"testing"
)

func nrOf(t *testing.T, name string) int {
	t.Helper()
	nr, ok := Number(name)
	if !ok {
		t.Fatalf("no syscall %s in the table", name)
	}
	return nr
}

func TestArgKind(t *testing.T) {
	for _, c := range []struct {
		call string
		arg  int
		want ValueKind
	}{
		{"openat", 0, ValueInt32},  // dirfd: AT_FDCWD
		{"openat", 1, ValueUint64}, // path pointer
		{"openat", 2, ValueUint32}, // int flags
		{"openat", 3, ValueUint32}, // mode_t
		{"openat", 4, ValueRaw},    // not declared
		{"read", 0, ValueInt32},
		{"read", 2, ValueUint64}, // size_t
		{"lseek", 1, ValueInt64}, // off_t
		{"lseek", 2, ValueInt32}, // whence enum
		{"mmap", 0, ValueUint64},
		{"kill", 0, ValueInt32},
		{"kill", 1, ValueInt32},
		{"setresuid", 0, ValueUint32},
		{"clone", 0, ValueUint64},    // unsigned long flags
		{"socket", 0, ValueInt32},    // domain enum
		{"ptrace", 0, ValueInt64},    // long request
		{"getrusage", 0, ValueInt32}, // RUSAGE_CHILDREN = -1
		{"ioctl", 2, ValueUint64},
	} {
		if got := ArgKind(nrOf(t, c.call), c.arg); got != c.want {
			t.Errorf("ArgKind(%s, %d) = %v, want %v", c.call, c.arg, got, c.want)
		}
	}
	if got := ArgKind(-1, 0); got != ValueRaw {
		t.Errorf("ArgKind(-1, 0) = %v, want raw", got)
	}
	if got := ArgKind(nrOf(t, "read"), -1); got != ValueRaw {
		t.Errorf("ArgKind(read, -1) = %v, want raw", got)
	}
}

func TestRetKind(t *testing.T) {
	for _, c := range []struct {
		call string
		want ValueKind
	}{
		{"close", ValueInt32}, {"openat", ValueInt32}, {"clone", ValueInt32},
		{"read", ValueInt64}, {"lseek", ValueInt64},
		{"mmap", ValueUint64}, {"brk", ValueUint64}, {"mremap", ValueUint64},
		{"getuid", ValueUint32}, {"umask", ValueUint32},
	} {
		if got := RetKind(nrOf(t, c.call)); got != c.want {
			t.Errorf("RetKind(%s) = %v, want %v", c.call, got, c.want)
		}
	}
	if got := RetKind(-1); got != ValueInt64 {
		t.Errorf("RetKind(-1) = %v, want int64", got)
	}
}

// Every argument of every signature has a deliberate kind: a type added to
// the spec must be classified here too (ValueRaw only for undeclared ones).
func TestEveryParamClassified(t *testing.T) {
	for _, s := range syscallTable {
		for i, p := range s.params {
			if k := paramValueKind(p); k == ValueRaw {
				t.Errorf("%s argument %d (%s): type %s has no value kind in argkind.go", s.name, i+1, p.name, p.typeName())
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range syscallTable {
		for _, p := range s.params {
			if p.set != nil {
				seen[p.set.name] = true
			}
		}
	}
	for name := range wideSets {
		if !seen[name] {
			t.Errorf("wideSets names %q, which no signature uses", name)
		}
	}
}

func TestConvert(t *testing.T) {
	const atFdcwd = 0xffffff9c
	for _, c := range []struct {
		k      ValueKind
		reg    uint64
		v      uint64
		signed bool
	}{
		{ValueInt32, atFdcwd, uint64(math.MaxUint64 - 99), true},        // -100
		{ValueInt32, 0xdeadbeef_ffffffff, math.MaxUint64, true},         // junk above 32 bits, -1
		{ValueInt32, 0x1_00000005, 5, true},                             // junk dropped
		{ValueUint32, 0xdeadbeef_ffffffff, 0xffffffff, false},           // uid -1
		{ValueInt64, math.MaxUint64, math.MaxUint64, true},              // -1
		{ValueUint64, 0xffffffff_ffffff9c, 0xffffffff_ffffff9c, false},  // as is
		{ValueRaw, 0x8000_0000_0000_0000, 0x8000_0000_0000_0000, false}, // as is
	} {
		v, signed := c.k.Convert(c.reg)
		if v != c.v || signed != c.signed {
			t.Errorf("%v.Convert(%#x) = %#x, %v; want %#x, %v", c.k, c.reg, v, signed, c.v, c.signed)
		}
	}
}
