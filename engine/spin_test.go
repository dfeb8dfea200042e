package engine

import (
	"testing"
	"time"
)

// The poll budget grows while events come soon after the poll gave up, up
// to max, and falls to nothing while they come later than max.
func TestPollerAdapts(t *testing.T) {
	p := poller{max: 200 * time.Microsecond}
	var seen []time.Duration
	for range 6 {
		p.after(30 * time.Microsecond)
		seen = append(seen, p.budget)
	}
	want := []time.Duration{10e3, 20e3, 40e3, 80e3, 160e3, 200e3}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("budgets while events come soon: %v, want %v", seen, want)
		}
	}
	seen = seen[:0]
	for range 6 {
		p.after(5 * time.Millisecond)
		seen = append(seen, p.budget)
	}
	want = []time.Duration{100e3, 50e3, 25e3, 12500, 0, 0}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("budgets while events come late: %v, want %v", seen, want)
		}
	}
	var off poller
	if off.after(time.Microsecond); off.budget != 0 {
		t.Fatalf("a poller with max 0 polls for %v", off.budget)
	}
}
