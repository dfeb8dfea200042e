package strace

import (
	"errors"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

func TestParseHexModes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want decode.HexMode
	}{
		{[]string{"true"}, decode.HexNone},
		{[]string{"-x", "true"}, decode.HexNonASCII},
		{[]string{"-xx", "true"}, decode.HexAll},
		{[]string{"-x", "-x", "-x", "true"}, decode.HexAll},
		{[]string{"-fx", "true"}, decode.HexNonASCII},
		{[]string{"-e", "trace=execve", "-xx", "true"}, decode.HexAll},
		{[]string{"--strings-in-hex", "true"}, decode.HexAll},
		{[]string{"--strings-in-hex=non-ascii", "true"}, decode.HexNonASCII},
		{[]string{"--strings-in-hex=non-ascii-chars", "true"}, decode.HexNonASCIIChars},
		{[]string{"--strings-in-hex=none", "true"}, decode.HexNone},
	} {
		o, err := Parse(c.args)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if o.Hex != c.want {
			t.Errorf("%v: Hex = %d, want %d", c.args, o.Hex, c.want)
		}
	}
}

func TestParseModeErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-x", "--strings-in-hex=all", "true"}, "-x and --strings-in-hex cannot be provided simultaneously"},
		{[]string{"--strings-in-hex=some", "true"}, "invalid --strings-in-hex argument: 'some'"},
	} {
		_, err := Parse(c.args)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error with %q", c.args, err, c.want)
		}
	}
}
