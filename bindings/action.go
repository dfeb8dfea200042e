package bindings

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

const actionHelp = `"allow", "kill", "kill_process", "kill_thread", "trap", "log", "notify", {"errno", E}, {"trace", ud} or {"notify"}`

// toAction reads a filter action: a name, or {"errno", E} / {"trace", ud}.
func toAction(v lua.LValue) (filter.Action, error) {
	switch v := v.(type) {
	case lua.LString:
		a, err := filter.ActionByName(string(v))
		if err != nil {
			return a, fmt.Errorf("unknown action %q (expected %s)", string(v), actionHelp)
		}
		return a, nil
	case *lua.LTable:
		kind := lua.LVAsString(v.RawGetInt(1))
		switch kind {
		case "errno":
			e, err := toErrno(v.RawGetInt(2))
			if err != nil {
				return filter.Action{}, err
			}
			return filter.ErrnoAction(e)
		case "trace":
			ud, err := toInt(v.RawGetInt(2), "trace user data")
			if err != nil {
				return filter.Action{}, err
			}
			return filter.TraceAction(ud)
		case "notify":
			if v.RawGetInt(2) != lua.LNil {
				return filter.Action{}, fmt.Errorf("{\"notify\"} takes no value (the callback's ud is 0 for notify calls)")
			}
			return filter.ActionNotify, nil
		}
		return filter.Action{}, fmt.Errorf("unknown action table {%q, …} (expected %s)", kind, actionHelp)
	}
	return filter.Action{}, fmt.Errorf("bad action (a %s value; expected %s)", v.Type(), actionHelp)
}

// toErrno reads an errno as a number or a name like "EPERM".
func toErrno(v lua.LValue) (int, error) {
	switch v := v.(type) {
	case lua.LNumber:
		n, err := toInt(v, "errno")
		if err != nil {
			return 0, err
		}
		if n < 1 || n > 4095 {
			return 0, fmt.Errorf("errno %d out of range 1..4095", n)
		}
		return int(n), nil
	case lua.LString:
		return filter.ErrnoByName(string(v))
	}
	return 0, fmt.Errorf("bad errno (a %s value; expected a number or a name like \"EPERM\")", v.Type())
}

// toInt reads an integral number; Lua numbers are doubles, so anything with
// a fraction is refused rather than truncated.
func toInt(v lua.LValue, what string) (int64, error) {
	n, ok := v.(lua.LNumber)
	if !ok {
		if s, isStr := v.(lua.LString); isStr {
			if i, err := strconv.ParseInt(strings.TrimSpace(string(s)), 0, 64); err == nil {
				return i, nil
			}
		}
		return 0, fmt.Errorf("bad %s (a %s value; expected an integer)", what, v.Type())
	}
	f := float64(n)
	if f != math.Trunc(f) || math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, fmt.Errorf("bad %s %v (expected an integer)", what, f)
	}
	return int64(f), nil
}

// toUint64 reads a 64-bit argument value: a number, or a string for values
// a double cannot hold exactly ("0xffffffffffffffff", "-1").
func toUint64(v lua.LValue, what string) (uint64, error) {
	if s, ok := v.(lua.LString); ok {
		t := strings.TrimSpace(string(s))
		if u, err := strconv.ParseUint(t, 0, 64); err == nil {
			return u, nil
		}
		if i, err := strconv.ParseInt(t, 0, 64); err == nil {
			return uint64(i), nil
		}
		return 0, fmt.Errorf("bad %s %q (expected an integer)", what, t)
	}
	n, ok := v.(lua.LNumber)
	if !ok {
		return 0, fmt.Errorf("bad %s (a %s value; expected an integer)", what, v.Type())
	}
	f := float64(n)
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("bad %s %v (expected an integer)", what, f)
	}
	if f < 0 {
		if f < math.MinInt64 {
			return 0, fmt.Errorf("bad %s %v (below the 64-bit range)", what, f)
		}
		return uint64(int64(f)), nil
	}
	if f >= 1<<64 {
		return 0, fmt.Errorf("bad %s %v (above the 64-bit range)", what, f)
	}
	return uint64(f), nil
}

// toSyscall reads a syscall name or number.
func toSyscall(v lua.LValue) (int, error) {
	switch v := v.(type) {
	case lua.LString:
		return filter.SyscallNumber(string(v))
	case lua.LNumber:
		n, err := toInt(v, "syscall number")
		if err != nil {
			return 0, err
		}
		if _, err := filter.SyscallName(int(n)); err != nil {
			return 0, err
		}
		return int(n), nil
	}
	return 0, fmt.Errorf("bad syscall (a %s value; expected a name like \"connect\" or a number)", v.Type())
}

// Conditions are plain tables {arg=i, op=..., value=..., value2=...} with i
// 1-based, so they print, compare and cross a fork like any table.
func toCond(v lua.LValue) (filter.Cond, error) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return filter.Cond{}, fmt.Errorf("bad condition (a %s value; expected Seccomp.arg(i, op, v))", v.Type())
	}
	i, err := toInt(t.RawGetString("arg"), "condition argument index")
	if err != nil {
		return filter.Cond{}, err
	}
	if i < 1 || i > 6 {
		return filter.Cond{}, fmt.Errorf("condition argument index %d out of range 1..6", i)
	}
	op, err := filter.ParseOp(lua.LVAsString(t.RawGetString("op")))
	if err != nil {
		return filter.Cond{}, err
	}
	c := filter.Cond{Arg: int(i - 1), Op: op}
	if c.Value, err = toUint64(t.RawGetString("value"), "condition value"); err != nil {
		return c, err
	}
	if op == filter.MaskedEQ {
		if c.Value2, err = toUint64(t.RawGetString("value2"), "condition value (the second of &=)"); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}
