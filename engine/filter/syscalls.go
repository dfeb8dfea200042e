package filter

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// scanLimit bounds the number scan that builds the name table. Native
// syscall numbers on amd64 and arm64 are below 500; the margin leaves room
// for future kernels without making the one-off scan noticeable.
const scanLimit = 1024

type syscallTable struct {
	arch   seccomp.ScmpArch
	err    error
	byName map[string]int
	byNr   map[int]string
	names  []string
}

var table = sync.OnceValue(func() *syscallTable {
	t := &syscallTable{byName: map[string]int{}, byNr: map[int]string{}}
	t.arch, t.err = seccomp.GetNativeArch()
	if t.err != nil {
		t.err = fmt.Errorf("libseccomp native architecture: %w", t.err)
		return t
	}
	for nr := 0; nr < scanLimit; nr++ {
		name, err := seccomp.ScmpSyscall(nr).GetNameByArch(t.arch)
		if err != nil || name == "" {
			continue
		}
		t.byNr[nr] = name
		if _, dup := t.byName[name]; !dup {
			t.byName[name] = nr
		}
	}
	t.names = make([]string, 0, len(t.byName))
	for name := range t.byName {
		t.names = append(t.names, name)
	}
	sort.Strings(t.names)
	return t
})

// UnknownSyscallError is returned for a syscall name or number that does
// not exist on the native architecture. Names that libseccomp knows only for
// other architectures (it returns negative pseudo numbers for them, e.g.
// socketcall on amd64) count as unknown: a filter rule for them could never
// match.
type UnknownSyscallError struct {
	Name        string   // set when looking up by name
	Nr          int      // set when looking up by number; -1 for a name
	Suggestions []string // close native names, best first; at most 3

	byName bool // tells the empty name apart from a number lookup
}

func (e *UnknownSyscallError) Error() string {
	if e.Name == "" && !e.byName {
		return "unknown syscall number " + strconv.Itoa(e.Nr)
	}
	msg := fmt.Sprintf("unknown syscall %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += " (did you mean " + strings.Join(e.Suggestions, ", ") + "?)"
	}
	return msg
}

func (e *UnknownSyscallError) Is(target error) bool { return target == ErrUnknownSyscall }

// Single lookups go straight to libseccomp and are cached: building the
// whole table costs about a millisecond of cgo calls, which every start of
// the tool (and of each forked child) would pay; only suggestions and
// Names need it.
var (
	nativeArch = sync.OnceValues(func() (seccomp.ScmpArch, error) {
		a, err := seccomp.GetNativeArch()
		if err != nil {
			return a, fmt.Errorf("libseccomp native architecture: %w", err)
		}
		return a, nil
	})
	numberCache sync.Map // name → int
	nameCache   sync.Map // int → name
)

// SyscallNumber resolves a syscall name for the native architecture.
func SyscallNumber(name string) (int, error) {
	if nr, ok := numberCache.Load(name); ok {
		return nr.(int), nil
	}
	arch, err := nativeArch()
	if err != nil {
		return 0, err
	}
	// Never hand C a NUL, which it would take as the end of the name.
	if name != "" && !strings.ContainsRune(name, 0) {
		if nr, err := seccomp.GetSyscallFromNameByArch(name, arch); err == nil && nr >= 0 {
			numberCache.Store(name, int(nr))
			return int(nr), nil
		}
	}
	return 0, &UnknownSyscallError{Name: name, Nr: -1, Suggestions: suggest(name, table().names), byName: true}
}

// SyscallName is the native name of syscall number nr.
func SyscallName(nr int) (string, error) {
	if name, ok := nameCache.Load(nr); ok {
		return name.(string), nil
	}
	arch, err := nativeArch()
	if err != nil {
		return "", err
	}
	if nr >= 0 && nr <= math.MaxInt32 {
		if name, err := seccomp.ScmpSyscall(nr).GetNameByArch(arch); err == nil && name != "" {
			nameCache.Store(nr, name)
			return name, nil
		}
	}
	return "", &UnknownSyscallError{Nr: nr}
}

// Names lists every syscall libseccomp knows for the native architecture,
// sorted. The caller may modify the returned slice.
func Names() []string {
	return append([]string(nil), table().names...)
}

// syscallLabel names nr for error messages without failing.
func syscallLabel(nr int) string {
	if name, err := SyscallName(nr); err == nil {
		return name
	}
	return "syscall " + strconv.Itoa(nr)
}

// suggest returns up to three names close to name: within a small edit
// distance scaled by length, or containing it when it is long enough to be
// meaningful ("epoll" -> epoll_create, ...).
func suggest(name string, names []string) []string {
	query := strings.ToLower(name)
	if query == "" || len(query) > 64 {
		return nil
	}
	maxDist := 1
	switch {
	case len(query) > 8:
		maxDist = 3
	case len(query) > 4:
		maxDist = 2
	}
	type cand struct {
		name  string
		score int
	}
	var cands []cand
	for _, n := range names {
		d := editDistance(query, n)
		switch {
		case d <= maxDist:
			cands = append(cands, cand{n, d * 2})
		case len(query) >= 4 && strings.HasPrefix(n, query):
			cands = append(cands, cand{n, 2*maxDist + 1})
		case len(query) >= 4 && strings.Contains(n, query):
			cands = append(cands, cand{n, 2*maxDist + 2})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score < cands[j].score
		}
		return cands[i].name < cands[j].name
	})
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// editDistance is the optimal-string-alignment distance over bytes (syscall
// names are ASCII): Levenshtein plus adjacent transpositions, the most common
// typo ("opne").
func editDistance(a, b string) int {
	// Three rows: the transposition step looks two rows back.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
