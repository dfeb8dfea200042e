package forksnap

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// Builtins maps the values every fresh interpreter of this program already
// has to a stable name, so they travel as a name instead of a copy. Go
// functions can only travel this way, and sending the stdlib by name keeps
// snapshots small.
//
// Only tables and functions are indexed. Userdata such as io.stdout is left
// out on purpose: a file handle named in the parent is not the same open
// file description in the child, so it must fail loudly rather than
// silently alias.
type Builtins struct {
	pathOf map[lua.LValue]string // shortest path per value
	byPath map[string]lua.LValue // every path, aliases included
	fields map[*lua.LTable]*tableSnap
}

// tableSnap is a builtin table's contents at index time, so a later
// `string.trim = function ... end` can be detected and carried as a patch.
type tableSnap struct {
	list []kv
	m    map[lua.LValue]lua.LValue
}

type kv struct{ k, v lua.LValue }

// IndexBuiltins must run on a freshly opened state, after the host
// registered its modules and after Chunks.Install, and the child must be
// opened the same way: both sides then derive the same names.
// It walks _G, one level of tables below it, and package.loaded with one
// level below each module. Walks are breadth first over sorted keys, so a
// value reachable several ways gets its shortest name deterministically.
func IndexBuiltins(L *lua.LState) *Builtins {
	b := &Builtins{
		pathOf: map[lua.LValue]string{},
		byPath: map[string]lua.LValue{},
		fields: map[*lua.LTable]*tableSnap{},
	}
	G := L.G.Global
	type pending struct {
		path string
		t    *lua.LTable
	}
	var next []pending
	visit := func(prefix string, t *lua.LTable) []pending {
		var out []pending
		for _, k := range sortedStringKeys(t) {
			v := t.RawGetString(k)
			path := pathSeg(prefix, k)
			if tb, ok := b.add(path, v, G); ok {
				out = append(out, pending{path, tb})
			}
		}
		return out
	}
	next = visit("", G)
	for _, p := range next {
		visit(p.path, p.t)
	}
	if loaded, ok := L.GetField(L.G.Registry, "_LOADED").(*lua.LTable); ok {
		for _, p := range visit("package.loaded", loaded) {
			visit(p.path, p.t)
		}
	}
	return b
}

// add records v under path and reports whether v is a table seen for the
// first time (whose fields should be walked next).
func (b *Builtins) add(path string, v lua.LValue, G *lua.LTable) (*lua.LTable, bool) {
	switch v.(type) {
	case *lua.LTable, *lua.LFunction:
	default:
		return nil, false
	}
	if _, ok := b.byPath[path]; !ok {
		b.byPath[path] = v
	}
	if _, seen := b.pathOf[v]; seen {
		return nil, false
	}
	b.pathOf[v] = path
	t, ok := v.(*lua.LTable)
	if !ok || t == G {
		return nil, false
	}
	s := &tableSnap{m: map[lua.LValue]lua.LValue{}}
	for k, fv := t.Next(lua.LNil); k != lua.LNil; k, fv = t.Next(k) {
		s.list = append(s.list, kv{k, fv})
		s.m[k] = fv
	}
	b.fields[t] = s
	return t, true
}

// Resolve returns the value recorded under path when b was built from L.
func (b *Builtins) Resolve(L *lua.LState, path string) (lua.LValue, error) {
	if b == nil {
		return nil, fmt.Errorf("forksnap: no Builtins index to resolve %q", path)
	}
	v, ok := b.byPath[path]
	if !ok {
		return nil, fmt.Errorf("forksnap: builtin %q does not exist in this interpreter", path)
	}
	return v, nil
}

func (b *Builtins) path(v lua.LValue) (string, bool) {
	if b == nil {
		return "", false
	}
	p, ok := b.pathOf[v]
	return p, ok
}

// original is the value a global name had at index time (nil if none).
func (b *Builtins) original(name string) lua.LValue {
	if b == nil {
		return lua.LNil
	}
	if v, ok := b.byPath[name]; ok {
		return v
	}
	return lua.LNil
}

// patch lists the fields of builtin table t that the script added, changed
// or removed (removed fields carry nil).
func (b *Builtins) patch(t *lua.LTable) []kv {
	if b == nil || t == nil {
		return nil
	}
	s := b.fields[t]
	if s == nil {
		return nil
	}
	var out []kv
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if ov, ok := s.m[k]; !ok || !sameValue(ov, v) {
			out = append(out, kv{k, v})
		}
	}
	for _, e := range s.list {
		if t.RawGet(e.k) == lua.LNil {
			out = append(out, kv{e.k, lua.LNil})
		}
	}
	return out
}

func sameValue(a, b lua.LValue) bool {
	if a == b {
		return true
	}
	x, ok1 := a.(lua.LNumber)
	y, ok2 := b.(lua.LNumber)
	return ok1 && ok2 && math.IsNaN(float64(x)) && math.IsNaN(float64(y))
}

func sortedStringKeys(t *lua.LTable) []string {
	var keys []string
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		}
	}
	sort.Strings(keys)
	return keys
}

// pathSeg spells a path like Lua source would (a.b, a["x.y"]) so names stay
// unambiguous even for package.loaded keys containing dots.
func pathSeg(prefix, key string) string {
	if isIdent(key) {
		if prefix == "" {
			return key
		}
		return prefix + "." + key
	}
	return prefix + "[" + strconv.Quote(key) + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
