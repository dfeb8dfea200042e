package decode

import (
	"sort"
	"sync"
)

// kind is an argument or return type; each has a decoder. The constants
// are generated from the spec's "types" lines (ztypes.go).
type kind uint8

func (k kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// class is a set of strace syscall classes (%file, %desc, …).
type class uint32

func (c class) names() []string {
	var out []string
	for i, n := range classNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// set is a named table of flag bits or values, in strace's print order.
type set struct {
	name    string
	enum    bool
	entries []setEntry
}

type setEntry struct {
	value uint64
	name  string
}

// param is one argument of a signature; ref is the index of the argument
// it depends on (a length, a flags word) or -1.
type param struct {
	name string
	kind kind
	set  *set
	ref  int
}

func (p param) typeName() string {
	if p.set != nil {
		return p.set.name
	}
	return p.kind.String()
}

// signature is one syscall of the native architecture. unknown marks a
// syscall libseccomp knows but the spec does not describe.
type signature struct {
	nr      int
	name    string
	params  []param
	ret     kind
	classes class
	unknown bool
}

var byName = sync.OnceValue(func() map[string]*signature {
	m := make(map[string]*signature, len(syscallTable))
	for i := range syscallTable {
		m[syscallTable[i].name] = &syscallTable[i]
	}
	return m
})

func lookupNr(nr int) *signature {
	i := sort.Search(len(syscallTable), func(i int) bool { return syscallTable[i].nr >= nr })
	if i < len(syscallTable) && syscallTable[i].nr == nr {
		return &syscallTable[i]
	}
	return nil
}

// Classes returns the strace classes ("%file", "%desc", …) of the named
// syscall on this architecture; ok is false for a name the table lacks.
func Classes(name string) (classes []string, ok bool) {
	s := byName()[name]
	if s == nil {
		return nil, false
	}
	return s.classes.names(), true
}

// ClassNames lists every class the table uses, "%desc" first.
func ClassNames() []string { return append([]string(nil), classNames[:]...) }

// Names lists the syscalls of this architecture's table in number order.
func Names() []string {
	out := make([]string, len(syscallTable))
	for i, s := range syscallTable {
		out[i] = s.name
	}
	return out
}

// u64 lets the generated sets hold negative constants (RUSAGE_CHILDREN)
// as the register value a sign-extended argument has.
func u64(v int64) uint64 { return uint64(v) }

// Number is the named syscall's number on this architecture.
func Number(name string) (int, bool) {
	s := byName()[name]
	if s == nil {
		return 0, false
	}
	return s.nr, true
}
