package filter

import (
	"fmt"
	"strconv"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// Op compares a syscall argument. Values are part of the serialised form of
// a Spec; the zero value is invalid.
type Op uint8

const (
	EQ       Op = iota + 1 // ==
	NE                     // !=
	LT                     // <
	LE                     // <=
	GT                     // >
	GE                     // >=
	MaskedEQ               // &= : (arg & Value) == Value2
)

var opSymbols = [...]string{EQ: "==", NE: "!=", LT: "<", LE: "<=", GT: ">", GE: ">=", MaskedEQ: "&="}

func (o Op) String() string {
	if o >= 1 && int(o) < len(opSymbols) {
		return opSymbols[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// ParseOp accepts the symbols Op.String produces.
func ParseOp(s string) (Op, error) {
	for o := EQ; o <= MaskedEQ; o++ {
		if opSymbols[o] == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("%w: %q (valid: == != < <= > >= &=)", ErrInvalidOp, s)
}

// MaxArg is the highest 0-based syscall argument index.
const MaxArg = 5

// Cond restricts a rule to calls whose argument Arg satisfies Op. Arguments
// are compared as full 64-bit values, as libseccomp does: a negative int
// argument such as AT_FDCWD must be given sign-extended or truncated exactly
// as the kernel passes it.
type Cond struct {
	Arg    int    // 0-based argument index, 0..5
	Op     Op     //
	Value  uint64 // operand; the mask for MaskedEQ
	Value2 uint64 // only for MaskedEQ: the expected (arg & Value)
}

// String numbers arguments from 1 ("arg1" is the first), as the Lua API
// and strace's documentation do; Arg itself is 0-based.
func (c Cond) String() string {
	if c.Op == MaskedEQ {
		return fmt.Sprintf("arg%d & %#x == %#x", c.Arg+1, c.Value, c.Value2)
	}
	return fmt.Sprintf("arg%d %s %#x", c.Arg+1, c.Op, c.Value)
}

// Validate rejects conditions that libseccomp would refuse or that could
// never match.
func (c Cond) Validate() error {
	if c.Arg < 0 || c.Arg > MaxArg {
		return fmt.Errorf("%w: argument index %d out of range 0..%d", ErrInvalidCondition, c.Arg, MaxArg)
	}
	if c.Op < EQ || c.Op > MaskedEQ {
		return fmt.Errorf("%w: %w: %s", ErrInvalidCondition, ErrInvalidOp, c.Op)
	}
	if c.Op == MaskedEQ {
		if c.Value2&^c.Value != 0 {
			return fmt.Errorf("%w: %s can never match: expected value has bits outside the mask", ErrInvalidCondition, c)
		}
	} else if c.Value2 != 0 {
		// A stray Value2 usually means the caller meant MaskedEQ.
		return fmt.Errorf("%w: %s: second value is only used by &=", ErrInvalidCondition, c)
	}
	return nil
}

func (c Cond) scmp() (seccomp.ScmpCondition, error) {
	if err := c.Validate(); err != nil {
		return seccomp.ScmpCondition{}, err
	}
	var op seccomp.ScmpCompareOp
	switch c.Op {
	case EQ:
		op = seccomp.CompareEqual
	case NE:
		op = seccomp.CompareNotEqual
	case LT:
		op = seccomp.CompareLess
	case LE:
		op = seccomp.CompareLessOrEqual
	case GT:
		op = seccomp.CompareGreater
	case GE:
		op = seccomp.CompareGreaterEqual
	case MaskedEQ:
		// libseccomp's first operand is the mask (C: SCMP_CMP_MASKED_EQ,
		// datum_a = mask, datum_b = value) despite the Go binding's comment.
		return seccomp.MakeCondition(uint(c.Arg), seccomp.CompareMaskedEqual, c.Value, c.Value2)
	}
	return seccomp.MakeCondition(uint(c.Arg), op, c.Value)
}
