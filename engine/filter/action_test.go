package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestActionByName(t *testing.T) {
	cases := []struct {
		in   string
		want Action
		err  string
	}{
		{"allow", ActionAllow, ""},
		{"kill", ActionKillProcess, ""},
		{"kill_process", ActionKillProcess, ""},
		{"kill_thread", ActionKillThread, ""},
		{"trap", ActionTrap, ""},
		{"log", ActionLog, ""},
		{"ALLOW", ActionAllow, ""},
		{"errno", Action{}, `"errno" needs a value`},
		{"trace", Action{}, `"trace" needs a value`},
		{"deny", Action{}, "valid: allow, kill, kill_process, kill_thread, trap, log"},
		{"", Action{}, "unknown action"},
	}
	for _, c := range cases {
		got, err := ActionByName(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrInvalidAction) {
				t.Errorf("ActionByName(%q) error = %v, want it to contain %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ActionByName(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestActionString(t *testing.T) {
	cases := []struct {
		a    Action
		want string
	}{
		{ActionAllow, "allow"},
		{ActionKillProcess, "kill_process"},
		{ActionKillThread, "kill_thread"},
		{ActionTrap, "trap"},
		{ActionLog, "log"},
		{Action{Kind: Errno, Value: 1}, "errno(EPERM)"},
		{Action{Kind: Errno, Value: 111}, "errno(ECONNREFUSED)"},
		{Action{Kind: Errno, Value: 4000}, "errno(4000)"},
		{Action{Kind: Trace, Value: 7}, "trace(7)"},
		{Action{}, "action_kind(0)"},
		{Action{Kind: 200, Value: 3}, "action_kind(200)(3)"},
	}
	for _, c := range cases {
		if got := c.a.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.a, got, c.want)
		}
	}
}

func TestParseActionRoundTrip(t *testing.T) {
	for _, a := range []Action{
		ActionAllow, ActionKillProcess, ActionKillThread, ActionTrap, ActionLog,
		{Kind: Errno, Value: 1}, {Kind: Errno, Value: 4000}, {Kind: Errno, Value: MaxErrno},
		{Kind: Trace, Value: 0}, {Kind: Trace, Value: 65535},
	} {
		got, err := ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
	for _, in := range []string{"errno(EPERM", "errno()", "errno(0)", "errno(4096)", "errno(EBOGUS)",
		"trace(-1)", "trace(65536)", "trace(x)", "allow(1)", "(", ")"} {
		if _, err := ParseAction(in); !errors.Is(err, ErrInvalidAction) {
			t.Errorf("ParseAction(%q) error = %v, want ErrInvalidAction", in, err)
		}
	}
	if a, err := ParseAction("errno(econnrefused)"); err != nil || a != (Action{Kind: Errno, Value: 111}) {
		t.Errorf("lower-case errno name: %v, %v", a, err)
	}
}

func TestErrnoTraceAction(t *testing.T) {
	for _, c := range []struct {
		n  int
		ok bool
	}{{0, false}, {1, true}, {4095, true}, {4096, false}, {-1, false}, {1 << 40, false}} {
		a, err := ErrnoAction(c.n)
		if c.ok != (err == nil) {
			t.Errorf("ErrnoAction(%d) = %v, %v", c.n, a, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "1..4095") || !errors.Is(err, ErrInvalidAction)) {
			t.Errorf("ErrnoAction(%d) error %q should name the range", c.n, err)
		}
	}
	for _, c := range []struct {
		n  int64
		ok bool
	}{{0, true}, {65535, true}, {65536, false}, {-1, false}} {
		a, err := TraceAction(c.n)
		if c.ok != (err == nil) || (c.ok && int64(a.Value) != c.n) {
			t.Errorf("TraceAction(%d) = %v, %v", c.n, a, err)
		}
		if err != nil && !strings.Contains(err.Error(), "0..65535") {
			t.Errorf("TraceAction(%d) error %q should name the range", c.n, err)
		}
	}
}

func TestActionValidate(t *testing.T) {
	bad := []Action{{}, {Kind: 99}, {Kind: Allow, Value: 1}, {Kind: Errno}, {Kind: Errno, Value: 4096}}
	for _, a := range bad {
		if err := a.Validate(); !errors.Is(err, ErrInvalidAction) {
			t.Errorf("%#v.Validate() = %v, want ErrInvalidAction", a, err)
		}
	}
}

func TestErrno(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
	}{{"EPERM", 1}, {"eperm", 1}, {"ECONNREFUSED", 111}, {"EAFNOSUPPORT", 97}, {"EAGAIN", 11},
		{"EWOULDBLOCK", 11}, {"ENOSYS", 38}, {"EOPNOTSUPP", 95}, {"ENOTSUP", 95}, {"EDEADLK", 35}, {"EDEADLOCK", 35}} {
		n, err := ErrnoByName(c.name)
		if err != nil || n != c.n {
			t.Errorf("ErrnoByName(%q) = %d, %v; want %d", c.name, n, err, c.n)
		}
	}
	for _, name := range []string{"", "EBOGUS", "1", "PERM"} {
		if _, err := ErrnoByName(name); !errors.Is(err, ErrUnknownErrno) || !strings.Contains(err.Error(), "unknown errno") {
			t.Errorf("ErrnoByName(%q) error = %v", name, err)
		}
	}
	for _, c := range []struct {
		n    int
		want string
	}{{1, "EPERM"}, {111, "ECONNREFUSED"}, {11, "EAGAIN"}, {0, "0"}, {4000, "4000"}, {-5, "-5"}} {
		if got := ErrnoName(c.n); got != c.want {
			t.Errorf("ErrnoName(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestNotifyAction(t *testing.T) {
	a, err := ActionByName("notify")
	if err != nil || a != ActionNotify {
		t.Fatalf("ActionByName(notify) = %v, %v", a, err)
	}
	if b, err := ParseAction(a.String()); err != nil || b != a {
		t.Fatalf("ParseAction(%q) = %v, %v", a.String(), b, err)
	}
	if err := (Action{Kind: Notify, Value: 1}).Validate(); err == nil {
		t.Fatal("notify with a value validated")
	}
	s := Spec{Default: ActionAllow}
	if err := s.Add(Rule{Action: ActionNotify, Syscall: 83 /* mkdir on amd64; any valid number */}); err != nil {
		t.Fatal(err)
	}
	if !s.Uses(Notify) || s.Uses(Trace) {
		t.Fatalf("Uses: notify %v trace %v", s.Uses(Notify), s.Uses(Trace))
	}
	pfc, err := s.PFC()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pfc, "action 0x7fc00000;") && !strings.Contains(pfc, "action NOTIFY") { // libseccomp 2.5 prints SECCOMP_RET_USER_NOTIF as a number
		t.Fatalf("PFC does not show the notify action:\n%s", pfc)
	}
}
