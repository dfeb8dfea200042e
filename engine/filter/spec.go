package filter

import (
	"fmt"
	"slices"
	"strconv"
)

// Rule applies Action to syscall number Syscall (native numbering) when all
// Conds hold. At most one condition per argument: libseccomp rejects a rule
// that checks the same argument twice.
type Rule struct {
	Action  Action
	Syscall int
	Conds   []Cond
}

func (r Rule) String() string {
	s := syscallLabel(r.Syscall) + " -> " + r.Action.String()
	for i, c := range r.Conds {
		if i == 0 {
			s += " if "
		} else {
			s += " && "
		}
		s += c.String()
	}
	return s
}

// Validate checks the rule on its own; conflicts with other rules are
// Spec's business.
func (r Rule) Validate() error {
	name, err := SyscallName(r.Syscall)
	if err != nil {
		return err
	}
	if err := r.Action.Validate(); err != nil {
		return fmt.Errorf("rule for %s: %w", name, err)
	}
	var seen [MaxArg + 1]bool
	for _, c := range r.Conds {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("rule for %s: %w", name, err)
		}
		if seen[c.Arg] {
			return fmt.Errorf("rule for %s: %w: more than one condition on arg%d (libseccomp allows one per argument)",
				name, ErrInvalidCondition, c.Arg+1)
		}
		seen[c.Arg] = true
	}
	return nil
}

// Spec is a complete filter: Default applies to every syscall no rule
// matches. The zero value is invalid until Default is set.
//
// Rules are not evaluated first-match in order: libseccomp merges the rules
// of each syscall into one decision tree. Combinations it cannot represent
// faithfully are rejected as conflicts (see [ConflictError]). When two
// conditional rules on different arguments both match a call, libseccomp
// 2.5 lets the rule that tests the higher-numbered argument win, whatever
// their order; write disjoint conditions if that matters.
type Spec struct {
	Default Action
	Rules   []Rule
	// Guards are installed as a filter of their own before this one
	// (see GuardSpec and Programs).
	Guards []Guard `json:",omitempty"`
}

// AddGuard adds g once; an unknown name is an error.
func (s *Spec) AddGuard(g Guard) error {
	if _, err := ParseGuard(string(g)); err != nil {
		return err
	}
	if !slices.Contains(s.Guards, g) {
		s.Guards = append(s.Guards, g)
	}
	return nil
}

// Programs compiles the spec for installation: the guard filter first
// (when there are guards), then the spec's own rules.
func (s Spec) Programs() ([][]byte, error) {
	var out [][]byte
	if len(s.Guards) > 0 {
		g, err := GuardSpec(s.Guards)
		if err != nil {
			return nil, err
		}
		b, err := g.BPF()
		if err != nil {
			return nil, fmt.Errorf("guard filter: %w", err)
		}
		out = append(out, b)
	}
	b, err := s.BPF()
	if err != nil {
		return nil, err
	}
	return append(out, b), nil
}

// Add validates r, including against the rules already present, and
// appends it. On error the spec is unchanged.
func (s *Spec) Add(r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	for i, old := range s.Rules {
		if c := conflict(i, old, len(s.Rules), r); c != nil {
			return c
		}
	}
	r.Conds = slices.Clone(r.Conds) // the caller may reuse its slice
	s.Rules = append(s.Rules, r)
	return nil
}

// Validate checks the default action, every rule and every pair of rules.
func (s Spec) Validate() error {
	if err := s.Default.Validate(); err != nil {
		return fmt.Errorf("default action: %w", err)
	}
	for i, r := range s.Rules {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
	}
	if cs := s.Conflicts(); len(cs) > 0 {
		return cs[0]
	}
	for _, g := range s.Guards {
		if _, err := ParseGuard(string(g)); err != nil {
			return err
		}
	}
	return nil
}

func (s Spec) String() string {
	n := len(s.Rules)
	unit := " rules"
	if n == 1 {
		unit = " rule"
	}
	return "seccomp filter: default " + s.Default.String() + ", " + strconv.Itoa(n) + unit
}

// Uses reports whether the spec has an action of kind k, as a rule's or
// as the default: a spec with a Trace action needs a ptrace tracer, one
// with a Notify action needs its filter installed with a notification
// listener (SECCOMP_FILTER_FLAG_NEW_LISTENER).
func (s Spec) Uses(k ActionKind) bool {
	if s.Default.Kind == k {
		return true
	}
	for _, r := range s.Rules {
		if r.Action.Kind == k {
			return true
		}
	}
	return false
}
