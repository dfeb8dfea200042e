package main

import (
	"path/filepath"
	"testing"
)

// -v, -x and -xx against strace on real commands: the lines must be the
// same (calls whose output would differ between two runs are left out).
func TestTraceModesOracle(t *testing.T) {
	needStrace(t)
	dir := filepath.Join(traceData, "dir")
	cases := []struct {
		name string
		args []string
	}{
		{"-v ls", []string{"-v", "-e", "trace=uname,getdents64,write", "ls", dir}},
		{"-v -s 4 ls", []string{"-v", "-s", "4", "-e", "trace=getdents64,write", "ls", dir}},
		{"--no-abbrev uname", []string{"--no-abbrev", "-e", "trace=uname", "uname", "-a"}},
		{"-e abbrev=uname", []string{"-e", "abbrev=uname", "-e", "trace=uname,getdents64", "ls", dir}},
		{"-x printf", []string{"-x", "-e", "trace=write", "printf", `plain\n\001bin\377\n`}},
		{"-xx printf", []string{"-xx", "-e", "trace=write,openat", "printf", `plain\n`}},
		{"--strings-in-hex=non-ascii-chars", []string{"--strings-in-hex=non-ascii-chars", "-e", "trace=write", "printf", `a\001b\n`}},
	}
	for _, c := range cases {
		want, _ := runStrace(t, append([]string{"-f"}, c.args...)...)
		got, r := runTrace(t, c.args...)
		if r.code != 0 {
			t.Errorf("%s: exit %d: %s", c.name, r.code, r.stderr)
			continue
		}
		compareTraces(t, c.name, want, got)
	}
}
