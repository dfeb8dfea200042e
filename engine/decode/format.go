package decode

import (
	"strconv"
	"strings"
)

// ArgsText is the argument list as strace prints it, without parentheses.
func (c *Call) ArgsText() string {
	if c.argsText != "" {
		return c.argsText
	}
	var parts []string
	for _, a := range c.Args {
		if !a.Hidden {
			parts = append(parts, a.Text)
		}
	}
	return strings.Join(parts, ", ")
}

// CallText is "name(args)".
func (c *Call) CallText() string { return c.Name + "(" + c.ArgsText() + ")" }

// RetText is what strace prints after "= ": "3", "0x7f…",
// "-1 ENOENT (No such file or directory)", "?" for calls that do not
// return; "" until Exit for the others.
func (c *Call) RetText() string {
	if c.retStr != "" {
		return c.retStr
	}
	if c.NoReturn {
		return "?"
	}
	return ""
}

// Format is the strace line without its alignment: "name(args) = ret", or
// only "name(args)" while the return is unknown.
func (c *Call) Format() string {
	if r := c.RetText(); r != "" {
		return c.CallText() + " = " + r
	}
	return c.CallText()
}

// ErrnoName is the failed call's error name ("ENOENT"), "" on success.
func (c *Call) ErrnoName() string {
	if c.Errno == 0 {
		return ""
	}
	return ErrnoName(c.Errno)
}

func retText(s *state) string {
	c := s.c
	if c.Errno != 0 {
		return errnoText(c.Errno)
	}
	var t string
	switch c.retKind {
	case kindNone:
		return "?"
	case kindFd:
		t, _ = fdText(s, c.Ret)
	case kindHex:
		t = hexText(uint64(c.Ret))
	case kindPtr:
		t = ptrText(uint64(c.Ret))
	case kindOctal:
		t = octalText(uint64(c.Ret))
	default:
		t = strconv.FormatInt(c.Ret, 10)
	}
	return t + c.retNote
}
