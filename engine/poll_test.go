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

// The poll is kept while events come closer together with it than without,
// and dropped while they come further apart, each mode being tried again
// every pollProbe-th window.
func TestPollerMeasuresWhetherPollingPays(t *testing.T) {
	run := func(on, off time.Duration) (polled int) {
		p := poller{max: 200 * time.Microsecond}
		now := time.Unix(0, 0)
		for w := 0; w < 10*pollProbe; w++ {
			if !p.off {
				polled++
			}
			for range pollWindow {
				if p.off {
					now = now.Add(off)
				} else {
					now = now.Add(on)
				}
				p.event(now)
			}
		}
		return polled
	}
	windows := 10 * pollProbe
	if got := run(10*time.Microsecond, 40*time.Microsecond); got < windows-windows/pollProbe-2 {
		t.Errorf("polling halves the interval, yet %d of %d windows polled", got, windows)
	}
	if got := run(60*time.Microsecond, 40*time.Microsecond); got > windows/pollProbe+2 {
		t.Errorf("polling lengthens the interval, yet %d of %d windows polled", got, windows)
	}
}
