package filter

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

func TestSpecAddValidation(t *testing.T) {
	connect := nr(t, "connect")
	cases := []struct {
		name string
		rule Rule
		is   error
		msg  string
	}{
		{"unknown syscall", Rule{Action: ActionAllow, Syscall: 9999}, ErrUnknownSyscall, "unknown syscall number 9999"},
		{"negative syscall", Rule{Action: ActionAllow, Syscall: -10060}, ErrUnknownSyscall, "unknown syscall number -10060"},
		{"no action", Rule{Syscall: connect}, ErrInvalidAction, "rule for connect: invalid action: action not set"},
		{"bad errno", Rule{Action: Action{Kind: Errno}, Syscall: connect}, ErrInvalidAction, "errno 0 out of range"},
		{"arg 6", Rule{Action: ActionLog, Syscall: connect, Conds: []Cond{{Arg: 6, Op: EQ}}}, ErrInvalidCondition, "argument index 6"},
		{"same arg twice", Rule{Action: ActionLog, Syscall: connect, Conds: []Cond{{Arg: 1, Op: GE, Value: 1}, {Arg: 1, Op: LE, Value: 5}}},
			ErrInvalidCondition, "more than one condition on arg2"}, // 1-based in messages
	}
	for _, c := range cases {
		s := Spec{Default: ActionAllow}
		err := s.Add(c.rule)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: Add error = %v, want %v containing %q", c.name, err, c.is, c.msg)
		}
		if len(s.Rules) != 0 {
			t.Errorf("%s: failed Add changed the spec", c.name)
		}
	}
}

func TestSpecAddCopiesConds(t *testing.T) {
	s := Spec{Default: ActionAllow}
	conds := []Cond{{Arg: 0, Op: EQ, Value: 1}}
	mustAdd(t, &s, Rule{Action: ActionLog, Syscall: nr(t, "write"), Conds: conds})
	conds[0].Value = 2
	if s.Rules[0].Conds[0].Value != 1 {
		t.Error("Add kept the caller's slice")
	}
}

func TestSpecValidate(t *testing.T) {
	if err := (Spec{}).Validate(); !errors.Is(err, ErrInvalidAction) || !strings.Contains(err.Error(), "default action") {
		t.Errorf("zero Spec: %v", err)
	}
	if _, err := (Spec{}).BPF(); err == nil {
		t.Error("zero Spec built")
	}
	s := Spec{Default: ActionAllow, Rules: []Rule{{Action: ActionLog, Syscall: 9999}}}
	if err := s.Validate(); !errors.Is(err, ErrUnknownSyscall) || !strings.HasPrefix(err.Error(), "rule 0: ") {
		t.Errorf("bad rule: %v", err)
	}
	if _, err := s.PFC(); !errors.Is(err, ErrUnknownSyscall) {
		t.Errorf("PFC of bad spec: %v", err)
	}
}

func TestConflicts(t *testing.T) {
	connect, socket := nr(t, "connect"), nr(t, "socket")
	eperm := Action{Kind: Errno, Value: 1}
	trace := Action{Kind: Trace, Value: 7}
	af := []Cond{{Arg: 0, Op: EQ, Value: 10}}
	two := []Cond{{Arg: 0, Op: EQ, Value: 10}, {Arg: 2, Op: EQ, Value: 6}}
	twoReversed := []Cond{two[1], two[0]}
	cases := []struct {
		name   string
		rules  []Rule
		msg    string // "" means no conflict
		second int
	}{
		{"unconditional pair", []Rule{{Action: trace, Syscall: connect}, {Action: eperm, Syscall: connect}},
			"conflicting rules for connect: rule 0 (trace(7)) and rule 1 (errno(EPERM)) both match every call", 1},
		{"same conds", []Rule{{Action: eperm, Syscall: socket, Conds: af}, {Action: ActionLog, Syscall: socket, Conds: af}},
			"conflicting rules for socket: rule 0 (errno(EPERM)) and rule 1 (log) have the same conditions", 1},
		{"same conds other order", []Rule{{Action: eperm, Syscall: socket, Conds: two}, {Action: ActionLog, Syscall: socket, Conds: twoReversed}},
			"have the same conditions", 1},
		{"unconditional after conditional", []Rule{{Action: eperm, Syscall: socket, Conds: af}, {Action: ActionTrap, Syscall: socket}},
			"rule 1 (trap) has no conditions, so libseccomp would drop rule 0 (errno(EPERM))", 1},
		{"conditional after unconditional", []Rule{{Action: ActionTrap, Syscall: socket}, {Action: eperm, Syscall: socket, Conds: af}},
			"rule 0 (trap) has no conditions, so libseccomp would drop rule 1 (errno(EPERM))", 1},
		{"conflict with a default-action rule", []Rule{{Action: ActionAllow, Syscall: connect}, {Action: eperm, Syscall: connect}},
			"rule 0 (allow) and rule 1 (errno(EPERM))", 1},
		{"same action twice", []Rule{{Action: eperm, Syscall: connect}, {Action: eperm, Syscall: connect}}, "", 0},
		{"same action, cond and uncond", []Rule{{Action: eperm, Syscall: socket, Conds: af}, {Action: eperm, Syscall: socket}}, "", 0},
		{"different syscalls", []Rule{{Action: eperm, Syscall: connect}, {Action: trace, Syscall: socket}}, "", 0},
		{"different conds", []Rule{{Action: eperm, Syscall: socket, Conds: af}, {Action: ActionLog, Syscall: socket, Conds: two}}, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Spec{Default: ActionAllow, Rules: c.rules}
			cs := s.Conflicts()
			var addErr error
			added := Spec{Default: ActionAllow}
			for _, r := range c.rules {
				if addErr = added.Add(r); addErr != nil {
					break
				}
			}
			_, bpfErr := s.BPF()
			if c.msg == "" {
				if len(cs) != 0 || addErr != nil || bpfErr != nil {
					t.Fatalf("unexpected conflict: %v / %v / %v", cs, addErr, bpfErr)
				}
				return
			}
			if len(cs) != 1 || cs[0].Second != c.second || !strings.Contains(cs[0].Error(), c.msg) {
				t.Fatalf("Conflicts() = %v, want one containing %q", cs, c.msg)
			}
			for what, err := range map[string]error{"Add": addErr, "BPF": bpfErr, "Validate": s.Validate()} {
				var ce *ConflictError
				if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("%s error = %v, want conflict containing %q", what, err, c.msg)
				}
			}
		})
	}
}

func TestRulesEqualToDefaultAreSkipped(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{Action: ActionAllow, Syscall: nr(t, "read")})
	mustAdd(t, &s, Rule{Action: ActionAllow, Syscall: nr(t, "write"), Conds: []Cond{{Arg: 0, Op: EQ, Value: 1}}})
	pfc, err := s.PFC()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(pfc, `"read"`) || strings.Contains(pfc, `"write"`) {
		t.Errorf("default-action rules reached libseccomp:\n%s", pfc)
	}
}

func TestPFC(t *testing.T) {
	cases := []struct {
		name string
		spec func(t *testing.T) Spec
		want []string
	}{
		{"trace connect", func(t *testing.T) Spec {
			s := Spec{Default: ActionAllow}
			mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 5}, Syscall: nr(t, "connect")})
			return s
		}, []string{`# filter for syscall "connect"`, "action TRACE(5);", "action ALLOW;"}},
		{"errno with condition", func(t *testing.T) Spec {
			s := Spec{Default: ActionLog}
			mustAdd(t, &s, Rule{Action: Action{Kind: Errno, Value: 97}, Syscall: nr(t, "socket"), Conds: []Cond{{Arg: 0, Op: EQ, Value: 10}}})
			return s
		}, []string{`"socket"`, "if ($a0.lo32 == 10)", "action ERRNO(97);", "action LOG;"}},
		{"masked", func(t *testing.T) Spec {
			s := Spec{Default: ActionKillProcess}
			mustAdd(t, &s, Rule{Action: ActionAllow, Syscall: nr(t, "openat"), Conds: []Cond{{Arg: 2, Op: MaskedEQ, Value: 3, Value2: 0}}})
			mustAdd(t, &s, Rule{Action: ActionKillThread, Syscall: nr(t, "clone3")})
			mustAdd(t, &s, Rule{Action: ActionTrap, Syscall: nr(t, "statx")})
			return s
		}, []string{`"openat"`, "$a2.lo32 & 0x00000003 == 0", `"clone3"`, "action KILL;", `"statx"`, "action TRAP;", "action KILL_PROCESS;"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pfc, err := c.spec(t).PFC()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(pfc, w) {
					t.Errorf("PFC lacks %q:\n%s", w, pfc)
				}
			}
		})
	}
}

func TestSpecString(t *testing.T) {
	s := Spec{Default: ActionAllow}
	if got := s.String(); got != "seccomp filter: default allow, 0 rules" {
		t.Error(got)
	}
	mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 1}, Syscall: nr(t, "connect")})
	if got := s.String(); got != "seccomp filter: default allow, 1 rule" {
		t.Error(got)
	}
	s.Default = Action{Kind: Errno, Value: 1}
	mustAdd(t, &s, Rule{Action: ActionLog, Syscall: nr(t, "socket"), Conds: []Cond{{Arg: 1, Op: MaskedEQ, Value: 0xf, Value2: 1}}})
	if got := s.String(); got != "seccomp filter: default errno(EPERM), 2 rules" {
		t.Error(got)
	}
	if got := s.Rules[1].String(); got != "socket -> log if arg2 & 0xf == 0x1" { // Arg 1 is the second argument
		t.Error(got)
	}
}

func TestSpecSerialisable(t *testing.T) {
	s := Spec{Default: ActionKillProcess}
	mustAdd(t, &s, Rule{Action: Action{Kind: Errno, Value: 13}, Syscall: nr(t, "openat"),
		Conds: []Cond{{Arg: 2, Op: MaskedEQ, Value: 3, Value2: 1}, {Arg: 0, Op: NE, Value: ^uint64(99)}}})
	mustAdd(t, &s, Rule{Action: ActionAllow, Syscall: nr(t, "read")})
	want, err := s.BPF()
	if err != nil {
		t.Fatal(err)
	}

	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON Spec
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s); err != nil {
		t.Fatal(err)
	}
	var fromGob Spec
	if err := gob.NewDecoder(&buf).Decode(&fromGob); err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]Spec{"json": fromJSON, "gob": fromGob} {
		b, err := got.BPF()
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s round trip changed the program (%v)", what, err)
		}
	}
}

func TestExportConcurrent(t *testing.T) {
	s := Spec{Default: ActionAllow}
	mustAdd(t, &s, Rule{Action: Action{Kind: Trace, Value: 7}, Syscall: nr(t, "connect")})
	want, err := s.BPF()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			got, err := s.BPF()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("concurrent BPF: %v", err)
			}
			if _, err := s.PFC(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// Validate keeps libseccomp's own refusals out of reach of the public API,
// so drive addRule directly to check they stay wrapped and identifiable.
func TestAddRuleWrapsLibseccompErrors(t *testing.T) {
	f, err := seccomp.NewFilter(seccomp.ActAllow)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	socket := nr(t, "socket")
	af := []Cond{{Arg: 0, Op: EQ, Value: 10}}
	if err := addRule(f, Rule{Action: Action{Kind: Errno, Value: 1}, Syscall: socket, Conds: af}); err != nil {
		t.Fatal(err)
	}
	err = addRule(f, Rule{Action: ActionLog, Syscall: socket, Conds: af})
	if !errors.Is(err, syscall.EEXIST) || !errors.Is(err, ErrExport) ||
		!strings.Contains(err.Error(), "adding rule for socket (log): file exists") {
		t.Errorf("same conditions, different action: %v", err)
	}
	err = addRule(f, Rule{Action: ActionAllow, Syscall: socket})
	if err == nil || !strings.Contains(err.Error(), "adding rule for socket (allow): requested action matches default action") {
		t.Errorf("rule equal to default: %v", err)
	}
}

func TestBPFTooLong(t *testing.T) {
	s := Spec{Default: ActionAllow}
	socket := nr(t, "socket")
	for i := range 1200 {
		v := uint64(i)<<32 | uint64(i)
		mustAdd(t, &s, Rule{Action: ActionLog, Syscall: socket, Conds: []Cond{{Arg: 0, Op: EQ, Value: v}, {Arg: 1, Op: EQ, Value: v}}})
	}
	_, err := s.BPF()
	if !errors.Is(err, ErrExport) || !strings.Contains(err.Error(), "the kernel accepts at most 4096") {
		t.Errorf("oversized program: %v", err)
	}
}

func TestTracerGuarded(t *testing.T) {
	trace, _ := TraceAction(1)
	connect, _ := SyscallNumber("connect")
	s := Spec{Default: ActionAllow}
	if g := s.TracerGuarded(); len(g.Rules) != 0 {
		t.Errorf("no trace rule: guarded spec has %d rules", len(g.Rules))
	}
	if err := s.Add(Rule{Action: trace, Syscall: connect}); err != nil {
		t.Fatal(err)
	}
	g := s.TracerGuarded()
	if len(g.Rules) != 2 || len(s.Rules) != 1 {
		t.Fatalf("guarded %d rules (want 2), original %d (want 1)", len(g.Rules), len(s.Rules))
	}
	r := g.Rules[1]
	if name, _ := SyscallName(r.Syscall); name != "seccomp" || r.Action.String() != "errno(EPERM)" {
		t.Errorf("guard rule %v", r)
	}
	if _, err := g.BPF(); err != nil {
		t.Errorf("guarded spec does not build: %v", err)
	}
	// a spec with its own seccomp rule is left alone
	nr, _ := SyscallNumber("seccomp")
	s.Add(Rule{Action: ActionAllow, Syscall: nr})
	if g := s.TracerGuarded(); len(g.Rules) != 2 {
		t.Errorf("own seccomp rule: %d rules, want 2", len(g.Rules))
	}
}
