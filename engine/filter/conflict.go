package filter

import (
	"fmt"
	"slices"
)

// ConflictError reports two rules for the same syscall that libseccomp
// cannot keep both of. libseccomp does not evaluate rules in order; per
// syscall it keeps a decision tree and, as of 2.5:
//   - returns EEXIST for a second rule with the same conditions and a
//     different action (we report it by name instead of as "file exists");
//   - silently drops any rule added after an unconditional rule for the same
//     syscall, and silently replaces all earlier conditional rules when an
//     unconditional one is added.
//
// Both silent cases would produce a filter that differs from the spec, so
// they are errors here. Rules with the same action never conflict.
type ConflictError struct {
	Syscall       int
	First, Second int // indexes into Spec.Rules, First < Second
	FirstRule     Rule
	SecondRule    Rule
}

func (c *ConflictError) Error() string {
	name := syscallLabel(c.Syscall)
	a, b := c.FirstRule, c.SecondRule
	switch {
	case len(a.Conds) == 0 && len(b.Conds) == 0:
		return fmt.Sprintf("conflicting rules for %s: rule %d (%s) and rule %d (%s) both match every call",
			name, c.First, a.Action, c.Second, b.Action)
	case len(a.Conds) == 0 || len(b.Conds) == 0:
		uncond, uidx, other, oidx := a, c.First, b, c.Second
		if len(b.Conds) == 0 {
			uncond, uidx, other, oidx = b, c.Second, a, c.First
		}
		return fmt.Sprintf("conflicting rules for %s: rule %d (%s) has no conditions, so libseccomp would drop rule %d (%s); add conditions to rule %d instead",
			name, uidx, uncond.Action, oidx, other.Action, uidx)
	default:
		return fmt.Sprintf("conflicting rules for %s: rule %d (%s) and rule %d (%s) have the same conditions",
			name, c.First, a.Action, c.Second, b.Action)
	}
}

func (c *ConflictError) Is(target error) bool { return target == ErrConflict }

// Conflicts lists every conflicting pair, in rule order. Invalid rules are
// skipped; Validate reports those.
func (s Spec) Conflicts() []*ConflictError {
	var out []*ConflictError
	for j, b := range s.Rules {
		for i, a := range s.Rules[:j] {
			if c := conflict(i, a, j, b); c != nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func conflict(i int, a Rule, j int, b Rule) *ConflictError {
	if a.Syscall != b.Syscall || a.Action == b.Action {
		return nil
	}
	if len(a.Conds) == 0 || len(b.Conds) == 0 || sameConds(a.Conds, b.Conds) {
		return &ConflictError{Syscall: a.Syscall, First: i, Second: j, FirstRule: a, SecondRule: b}
	}
	return nil
}

// sameConds compares condition sets regardless of order, which is how
// libseccomp's decision tree sees them.
func sameConds(a, b []Cond) bool {
	if len(a) != len(b) {
		return false
	}
	byArg := func(x, y Cond) int { return x.Arg - y.Arg }
	sa, sb := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(sa, byArg)
	slices.SortFunc(sb, byArg)
	return slices.Equal(sa, sb)
}
