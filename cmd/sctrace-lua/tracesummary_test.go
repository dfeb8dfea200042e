package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// -U picks the summary's columns and -S sorts by any of them: without a
// time column the table is strace's byte for byte.
func TestTraceSummaryColumns(t *testing.T) {
	needStrace(t)
	hello := filepath.Join(traceData, "hello.txt")
	for _, args := range [][]string{
		{"-c", "-U", "name,calls,errors", "-S", "name", "cat", hello, "/nonexistent"},
		{"-c", "-U", "errors,calls", "-S", "calls", "cat", hello, "/nonexistent"},
		{"-c", "--summary-columns=count,syscall", "--summary-sort-by=errors", "cat", hello, "/nonexistent"},
	} {
		want, _ := runStrace(t, args...)
		got, r := runTrace(t, args...)
		if got != want {
			t.Errorf("%v:\nstrace:\n%s\ntrace:\n%s\nstderr: %s", args, want, got, r.stderr)
		}
	}
	// the time columns are there, with the widths strace gives them
	got, _ := runTrace(t, "-c", "-U", "time,total_time,min_time,max_time,avg_time,calls", "cat", hello)
	if !strings.HasPrefix(got, "% time     seconds shortest  longest  usecs/call     calls syscall\n------ ----------- -------- -------- ----------- --------- ----------------\n") {
		t.Errorf("time columns:\n%s", got)
	}
	// -O subtracts an overhead from every call: a second per call leaves 0
	got, _ = runTrace(t, "-c", "-O", "1s", "cat", hello)
	if !regexp.MustCompile(`(?m)^100\.00    0\.000000           0 +\d+ +\d* total$`).MatchString(got) {
		t.Errorf("-O 1s: the total is not zero:\n%s", got)
	}
	for _, bad := range [][]string{{"-U", "name,bogus"}, {"-U", "calls,count"}, {"-O", "1h"}, {"-O", "-3"}, {"-S", "bogus"}} {
		r := cli(t, "", nil, "", append(append([]string{"trace", "-c"}, bad...), "--", "true")...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a one-line error", bad, r.code, r.stderr)
		}
	}
}
