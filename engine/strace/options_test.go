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

func TestParseAbbrev(t *testing.T) {
	stat, _ := Parse([]string{"-e", "trace=stat", "true"})
	nrs := stat.syscalls()
	if len(nrs) != 1 {
		t.Fatalf("trace=stat selects %v", nrs)
	}
	statNr := nrs[0]
	for _, c := range []struct {
		args    []string
		verbose bool // is stat printed in full
	}{
		{[]string{"true"}, false},
		{[]string{"-v", "true"}, true},
		{[]string{"-fv", "true"}, true},
		{[]string{"--no-abbrev", "true"}, true},
		{[]string{"-e", "abbrev=none", "true"}, true},
		{[]string{"-e", "abbrev=all", "true"}, false},
		{[]string{"-e", "abbrev=stat", "true"}, false},
		{[]string{"-e", "abbrev=!stat", "true"}, true},
		{[]string{"-e", "abbrev=openat", "true"}, true},
		{[]string{"--abbrev=openat", "true"}, true},
		{[]string{"-v", "-e", "abbrev=stat", "true"}, false}, // the last one wins, as in strace
		{[]string{"-e", "verbose=all", "true"}, false},
	} {
		o, err := Parse(c.args)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		tr := newTracer(o, nil, false)
		if got := tr.optsFor(statNr).Verbose; got != c.verbose {
			t.Errorf("%v: stat verbose = %v, want %v", c.args, got, c.verbose)
		}
	}
}

func TestParseVerboseRejected(t *testing.T) {
	for _, args := range [][]string{{"-e", "verbose=none", "true"}, {"--verbose=stat", "true"}} {
		_, err := Parse(args)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "is not supported: structures are always decoded") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := Parse([]string{"-e", "abbrev=nosuchcall", "true"}); err == nil || !strings.Contains(err.Error(), "invalid system call 'nosuchcall'") {
		t.Errorf("abbrev=nosuchcall: %v", err)
	}
}

func TestParseDetachDaemonize(t *testing.T) {
	for _, c := range []struct {
		args   []string
		detach bool
		daemon int
	}{
		{[]string{"true"}, false, 0},
		{[]string{"-b", "execve", "true"}, true, 0},
		{[]string{"-bexecve", "true"}, true, 0},
		{[]string{"--detach-on=execve", "true"}, true, 0},
		{[]string{"-D", "true"}, false, 1},
		{[]string{"-DD", "true"}, false, 2},
		{[]string{"-D", "-DD", "true"}, false, 3},
		{[]string{"-DDDD", "true"}, false, 3},
		{[]string{"-fD", "true"}, false, 1},
		{[]string{"--daemonize", "true"}, false, 1},
		{[]string{"--daemonize=pgroup", "true"}, false, 2},
		{[]string{"--daemonize=pgrp", "true"}, false, 2},
		{[]string{"--daemonize=session", "-b", "execve", "true"}, true, 3},
	} {
		o, err := Parse(c.args)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if o.DetachOnExec != c.detach || o.Daemonize != c.daemon {
			t.Errorf("%v: DetachOnExec %v Daemonize %d, want %v %d", c.args, o.DetachOnExec, o.Daemonize, c.detach, c.daemon)
		}
	}
	for _, args := range [][]string{{"-b", "exit", "true"}, {"--daemonize=x", "true"}, {"-D", "-p", "1"}} {
		if _, err := Parse(args); !errors.Is(err, ErrUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
