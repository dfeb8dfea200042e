package unwind

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

const (
	maxMapsBytes = 16 << 20 // /proc/PID/maps read per process
	maxMappings  = 1 << 16
)

// mapping is one line of /proc/PID/maps that names a file (or [vdso]).
type mapping struct {
	start, end uint64
	off        uint64
	exec       bool
	dev        string
	inode      uint64
	path       string

	// resolved: obj looked up (nil when the file cannot be parsed).
	resolved bool
	obj      *object
	bias     uint64
}

// parseMaps keeps the mappings with a name, in ascending order without
// overlaps, as strace's mapping cache does.
func parseMaps(data []byte) []*mapping {
	var out []*mapping
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	for sc.Scan() && len(out) < maxMappings {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok || len(f[1]) != 4 {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(f[2], 16, 64)
		ino, err4 := strconv.ParseUint(f[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || end < start {
			continue
		}
		// The path is the rest of the line after the inode (it may
		// hold spaces).
		line := sc.Text()
		path := ""
		if i := indexField(line, 5); i >= 0 {
			path = line[i:]
		}
		if path == "" {
			continue
		}
		m := &mapping{start: start, end: end, off: off, exec: f[1][2] == 'x',
			dev: f[3], inode: ino, path: path}
		if n := len(out); n > 0 {
			last := out[n-1]
			if last.start == start && last.end == end {
				continue
			}
			if start <= last.start || start < last.end {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// indexField is where the n-th (0-based) space-separated field of line
// starts; -1 when there are fewer.
func indexField(line string, n int) int {
	i := 0
	for k := 0; ; k++ {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			return -1
		}
		if k == n {
			return i
		}
		for i < len(line) && line[i] != ' ' {
			i++
		}
	}
}

// lookup is the mapping holding addr in sorted maps.
func lookup(maps []*mapping, addr uint64) *mapping {
	lo, hi := 0, len(maps)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		m := maps[mid]
		switch {
		case addr < m.start:
			hi = mid - 1
		case addr >= m.end:
			lo = mid + 1
		default:
			return m
		}
	}
	return nil
}
