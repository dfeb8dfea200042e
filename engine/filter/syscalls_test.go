package filter

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSyscallNumber(t *testing.T) {
	for _, c := range []struct {
		name string
		nr   int
	}{
		{"connect", unix.SYS_CONNECT},
		{"statx", unix.SYS_STATX},
		{"clone3", unix.SYS_CLONE3},
		{"openat2", unix.SYS_OPENAT2},
		{"getpid", unix.SYS_GETPID},
		{"socket", unix.SYS_SOCKET},
		{"openat", unix.SYS_OPENAT},
	} {
		got, err := SyscallNumber(c.name)
		if err != nil || got != c.nr {
			t.Errorf("SyscallNumber(%q) = %d, %v; want %d", c.name, got, err, c.nr)
		}
		name, err := SyscallName(c.nr)
		if err != nil || name != c.name {
			t.Errorf("SyscallName(%d) = %q, %v; want %q", c.nr, name, err, c.name)
		}
	}
}

func TestUnknownSyscallName(t *testing.T) {
	cases := []struct {
		name     string
		msg      string
		suggests []string // must all be present
	}{
		{"conect", `unknown syscall "conect" (did you mean connect?)`, []string{"connect"}},
		{"opne", "", []string{"open"}},
		{"getpidd", "", []string{"getpid"}},
		{"clone4", "", []string{"clone3"}},
		{"READ", "", []string{"read"}},
		{"epoll", "", []string{"epoll_create"}},
		// libseccomp knows this one only for other architectures and
		// returns a negative pseudo number; that must not leak out.
		{"socketcall", "", nil},
		{"", `unknown syscall ""`, nil},
		{"connect\x00", "", []string{"connect"}},
		{"zzzzzzzzzzzz", `unknown syscall "zzzzzzzzzzzz"`, nil},
	}
	for _, c := range cases {
		nr, err := SyscallNumber(c.name)
		var u *UnknownSyscallError
		if !errors.As(err, &u) || !errors.Is(err, ErrUnknownSyscall) {
			t.Errorf("SyscallNumber(%q) = %d, %v; want *UnknownSyscallError", c.name, nr, err)
			continue
		}
		if c.msg != "" && err.Error() != c.msg {
			t.Errorf("SyscallNumber(%q) error = %q, want %q", c.name, err, c.msg)
		}
		if len(u.Suggestions) > 3 {
			t.Errorf("%q: too many suggestions %v", c.name, u.Suggestions)
		}
		for _, s := range c.suggests {
			if !slices.Contains(u.Suggestions, s) {
				t.Errorf("%q: suggestions %v lack %q", c.name, u.Suggestions, s)
			}
		}
		if c.suggests == nil && c.msg != "" && len(u.Suggestions) != 0 {
			t.Errorf("%q: unexpected suggestions %v", c.name, u.Suggestions)
		}
	}
	if _, err := SyscallNumber("connect"); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownSyscallNumber(t *testing.T) {
	for _, n := range []int{-1, -10060, 9999, 1 << 20, math.MaxInt32, math.MaxInt32 + 1, math.MinInt64, math.MaxInt64} {
		name, err := SyscallName(n)
		var u *UnknownSyscallError
		if !errors.As(err, &u) || u.Nr != n || !errors.Is(err, ErrUnknownSyscall) {
			t.Errorf("SyscallName(%d) = %q, %v", n, name, err)
		}
	}
	_, err := SyscallName(9999)
	if err == nil || err.Error() != "unknown syscall number 9999" {
		t.Errorf("error = %v", err)
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if len(names) < 300 {
		t.Fatalf("only %d names", len(names))
	}
	if !sort.StringsAreSorted(names) {
		t.Error("names not sorted")
	}
	for _, want := range []string{"connect", "statx", "clone3", "openat2", "read", "exit_group"} {
		if _, ok := slices.BinarySearch(names, want); !ok {
			t.Errorf("Names() lacks %q", want)
		}
	}
	for _, n := range names {
		nr, err := SyscallNumber(n)
		if err != nil || nr < 0 {
			t.Fatalf("SyscallNumber(%q) = %d, %v", n, nr, err)
		}
		if back, err := SyscallName(nr); err != nil || back != n {
			t.Fatalf("SyscallName(%d) = %q, %v; want %q", nr, back, err, n)
		}
	}
	names[0] = "mutated"
	if Names()[0] == "mutated" {
		t.Error("Names() shares its backing array")
	}
}

func TestSyscallConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if n, err := SyscallNumber("connect"); err != nil || n != unix.SYS_CONNECT {
				t.Errorf("concurrent lookup: %d, %v", n, err)
			}
			_ = Names()
		})
	}
	wg.Wait()
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"conect", "connect", 1}, {"opne", "open", 1}, {"kitten", "sitting", 3}} {
		if d := editDistance(c.a, c.b); d != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, d, c.d)
		}
	}
	if s := suggest(strings.Repeat("x", 1000), Names()); s != nil {
		t.Errorf("long query suggestions: %v", s)
	}
}
