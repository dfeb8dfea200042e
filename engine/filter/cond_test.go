package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Op
	}{{"==", EQ}, {"!=", NE}, {"<", LT}, {"<=", LE}, {">", GT}, {">=", GE}, {"&=", MaskedEQ}} {
		got, err := ParseOp(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseOp(%q) = %v, %v", c.in, got, err)
		}
		if got.String() != c.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), c.in)
		}
	}
	for _, in := range []string{"", "=", "=>", "eq", "&"} {
		_, err := ParseOp(in)
		if !errors.Is(err, ErrInvalidOp) || !strings.Contains(err.Error(), "== != < <= > >= &=") {
			t.Errorf("ParseOp(%q) error = %v", in, err)
		}
	}
	if s := Op(0).String(); s != "op(0)" {
		t.Errorf("Op(0).String() = %q", s)
	}
}

func TestCondValidate(t *testing.T) {
	good := []Cond{
		{Arg: 0, Op: EQ, Value: 1},
		{Arg: 5, Op: GE, Value: ^uint64(0)},
		{Arg: 2, Op: MaskedEQ, Value: 0xff, Value2: 0x10},
		{Arg: 2, Op: MaskedEQ, Value: 0, Value2: 0},
	}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
	bad := map[string]Cond{
		"argument index -1": {Arg: -1, Op: EQ},
		"argument index 6":  {Arg: 6, Op: EQ},
		"op(0)":             {Arg: 0},
		"op(9)":             {Arg: 0, Op: 9},
		"can never match":   {Arg: 1, Op: MaskedEQ, Value: 0x0f, Value2: 0x10},
		"only used by &=":   {Arg: 1, Op: EQ, Value: 1, Value2: 2},
	}
	for want, c := range bad {
		err := c.Validate()
		if !errors.Is(err, ErrInvalidCondition) || !strings.Contains(err.Error(), want) {
			t.Errorf("%#v.Validate() = %v, want %q", c, err, want)
		}
	}
}
