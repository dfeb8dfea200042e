package strace

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// column is one column of the -c table (strace's count_summary_columns).
type column int

const (
	colNone column = iota
	colPercent
	colTotal
	colMin
	colMax
	colAvg
	colCalls
	colErrors
	colName
)

// columnNames are strace's names for the columns, as -U and -S take them.
var columnNames = map[string]column{
	"time": colPercent, "time_percent": colPercent, "time-percent": colPercent,
	"time_total": colTotal, "time-total": colTotal, "total_time": colTotal, "total-time": colTotal,
	"min_time": colMin, "min-time": colMin, "shortest": colMin, "time_min": colMin, "time-min": colMin,
	"longest": colMax, "max_time": colMax, "max-time": colMax, "time_max": colMax, "time-max": colMax,
	"avg_time": colAvg, "avg-time": colAvg, "time_avg": colAvg, "time-avg": colAvg,
	"calls": colCalls, "count": colCalls,
	"error": colErrors, "errors": colErrors,
	"name": colName, "syscall": colName, "syscall_name": colName, "syscall-name": colName,
	"none": colNone, "nothing": colNone,
}

var defaultColumns = []column{colPercent, colTotal, colAvg, colCalls, colErrors, colName}

// parseColumns is -U LIST: known names, each column once; the name
// column is added at the end when missing.
func parseColumns(v string) ([]column, error) {
	var cols []column
	seen := map[column]bool{}
	for _, name := range strings.Split(v, ",") {
		c, ok := columnNames[name]
		if !ok || c == colNone {
			return nil, usageErr("unknown column name: '%s'", name)
		}
		if seen[c] {
			return nil, usageErr("call summary column has been provided more than once: '%s'", name)
		}
		seen[c] = true
		cols = append(cols, c)
	}
	if !seen[colName] {
		cols = append(cols, colName)
	}
	return cols, nil
}

// parseOverhead is -O TIME: a number with an optional s, ms, us or ns
// suffix, microseconds without one (strace's parse_ts).
func parseOverhead(v string) (time.Duration, error) {
	num, scale := v, time.Microsecond
	for _, sfx := range []struct {
		s string
		d time.Duration
	}{{"ms", time.Millisecond}, {"us", time.Microsecond}, {"ns", time.Nanosecond}, {"s", time.Second}} {
		if strings.HasSuffix(v, sfx.s) {
			num, scale = strings.TrimSuffix(v, sfx.s), sfx.d
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || f*float64(scale) > math.MaxInt64 {
		return 0, usageErr("invalid -O argument: '%s'", v)
	}
	return time.Duration(f * float64(scale)), nil
}

// summary prints the -c table as strace 6.1's call_summary_pers does:
// the columns of -U (default % time, seconds, usecs/call, calls, errors,
// syscall), widths grown to fit, sorted by -S.
func (t *tracer) summary() {
	var rows []*stat
	total := stat{name: "total", min: -1}
	nameMax := 0
	var avgMax, minMax time.Duration
	for _, s := range t.stats {
		rows = append(rows, s)
		total.calls += s.calls
		total.errors += s.errors
		total.time += s.time
		if total.min < 0 || s.min < total.min {
			total.min = s.min
		}
		minMax = max(minMax, s.min)
		total.max = max(total.max, s.max)
		avgMax = max(avgMax, s.avg())
		nameMax = max(nameMax, len(s.name))
	}
	if total.min < 0 {
		total.min = 0
	}
	sortStats(rows, columnNames[t.o.SortBy], t.o.SortBy == "")
	cols := t.o.Columns
	if cols == nil {
		cols = defaultColumns
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }
	whole := func(d time.Duration) int { return len(strconv.FormatInt(int64(d/time.Second), 10)) + 7 }
	width := map[column]int{
		colPercent: 6,
		colTotal:   max(11, len(secs(total.time))),
		colMin:     max(8, whole(minMax)),
		colMax:     max(7, whole(total.max)),
		colAvg:     max(11, len(strconv.FormatInt(avgMax.Microseconds(), 10))),
		colCalls:   max(9, len(strconv.Itoa(total.calls))),
		colErrors:  max(9, len(strconv.Itoa(total.errors))),
		colName:    max(16, nameMax+1),
	}
	header := map[column]string{colPercent: "% time", colTotal: "seconds", colMin: "shortest", colMax: "longest",
		colAvg: "usecs/call", colCalls: "calls", colErrors: "errors", colName: "syscall"}
	line := func(cell func(c column) string) {
		var b strings.Builder
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			v := cell(c)
			switch {
			case c == colName && i == len(cols)-1:
				b.WriteString(v)
			case c == colName:
				b.WriteString(v + strings.Repeat(" ", max(0, width[c]-len(v))))
			default:
				b.WriteString(pad(v, width[c]))
			}
		}
		b.WriteByte('\n')
		t.w.WriteString(b.String())
	}
	dashes := func() { line(func(c column) string { return strings.Repeat("-", width[c]) }) }
	row := func(pct float64, s *stat, avg time.Duration) {
		line(func(c column) string {
			switch c {
			case colPercent:
				return strconv.FormatFloat(pct, 'f', 2, 64)
			case colTotal:
				return secs(s.time)
			case colMin:
				return secs(s.min)
			case colMax:
				return secs(s.max)
			case colAvg:
				return strconv.FormatInt(avg.Microseconds(), 10)
			case colCalls:
				return strconv.Itoa(s.calls)
			case colErrors:
				if s.errors == 0 {
					return "" // strace's %.0u
				}
				return strconv.Itoa(s.errors)
			}
			return s.name
		})
	}
	line(func(c column) string { return header[c] })
	dashes()
	for _, s := range rows {
		pct := 0.0
		if total.time > 0 {
			pct = 100 * float64(s.time) / float64(total.time)
		}
		row(pct, s, s.avg())
	}
	dashes()
	row(100, &total, total.avg())
}

func (s *stat) avg() time.Duration {
	if s.calls == 0 {
		return 0
	}
	return s.time / time.Duration(s.calls)
}

// sortStats orders the rows by a column, largest first (names A to Z),
// ties and "none" by syscall number; the default is by time.
func sortStats(rows []*stat, by column, dflt bool) {
	if dflt {
		by = colPercent
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch by {
		case colPercent, colTotal:
			if a.time != b.time {
				return a.time > b.time
			}
		case colMin:
			if a.min != b.min {
				return a.min > b.min
			}
		case colMax:
			if a.max != b.max {
				return a.max > b.max
			}
		case colAvg:
			if a.avg() != b.avg() {
				return a.avg() > b.avg()
			}
		case colCalls:
			if a.calls != b.calls {
				return a.calls > b.calls
			}
		case colErrors:
			if a.errors != b.errors {
				return a.errors > b.errors
			}
		case colName:
			if a.name != b.name {
				return a.name < b.name
			}
		}
		return a.nr < b.nr
	})
}
