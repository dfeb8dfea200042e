package forksnap

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

type rawRef struct {
	tag byte
	num float64
	str string
	obj int
}

type rawObj struct {
	kind  byte
	pairs []rawRef // table entries or builtin patch, key/value interleaved
	meta  rawRef
	chunk int
	path  []int
	env   rawRef
	ups   []int
	val   rawRef
	name  string // builtin path or userdata type
	data  []byte
}

type rawChunk struct {
	name string
	src  []byte
}

type rawGlobal struct {
	name string
	val  rawRef
}

type snapshot struct {
	chunks  []rawChunk
	objs    []rawObj
	globals []rawGlobal
	root    int
}

// Decode rebuilds, in a fresh state opened like the parent's, the function
// a snapshot describes, sets the carried globals, and records the
// snapshot's chunks in o.Chunks so the child can fork again. The bytes come
// from a pipe, so nothing in them is trusted: every index and length is
// checked, counts are capped by the input size, and chunk sources must
// compile to a proto tree that really has each referenced function.
func Decode(L *lua.LState, data []byte, o Options) (*lua.LFunction, error) {
	if o.Chunks == nil {
		return nil, errors.New("forksnap: Options.Chunks is required")
	}
	s, err := parseSnapshot(data)
	if err != nil {
		return nil, err
	}
	if err := checkArrayBudget(s, len(data)); err != nil {
		return nil, err
	}
	d := &decoder{L: L, o: o, s: s, vals: make([]lua.LValue, len(s.objs)), ups: make([]*lua.Upvalue, len(s.objs))}
	if err := d.compileChunks(); err != nil {
		return nil, err
	}
	if err := d.create(); err != nil {
		return nil, err
	}
	if err := d.link(); err != nil {
		return nil, err
	}
	fn, ok := d.vals[s.root].(*lua.LFunction)
	if !ok || fn.IsG {
		return nil, errors.New("forksnap: snapshot root is not a Lua function")
	}
	for _, g := range s.globals {
		v, err := d.value(g.val)
		if err != nil {
			return nil, err
		}
		L.G.Global.RawSetString(g.name, v)
	}
	// Only now, with the snapshot fully valid, do its chunks join the record.
	for i, ch := range d.newChunks {
		if ch != nil {
			o.Chunks.record(d.keys[i], ch)
		}
	}
	return fn, nil
}

func parseSnapshot(data []byte) (*snapshot, error) {
	if len(data) < len(magic)+1 || string(data[:len(magic)]) != magic {
		return nil, errors.New("forksnap: not a fork snapshot")
	}
	if data[len(magic)] != version {
		return nil, fmt.Errorf("forksnap: snapshot version %d, want %d", data[len(magic)], version)
	}
	r := &reader{b: data, off: len(magic) + 1}
	s := &snapshot{}
	n, err := r.count(2)
	if err != nil {
		return nil, err
	}
	s.chunks = make([]rawChunk, n)
	for i := range s.chunks {
		if s.chunks[i].name, err = r.str(); err != nil {
			return nil, err
		}
		if s.chunks[i].src, err = r.bytes(); err != nil {
			return nil, err
		}
	}
	if n, err = r.count(2); err != nil {
		return nil, err
	}
	s.objs = make([]rawObj, n)
	for i := range s.objs {
		if err := parseObject(r, &s.objs[i], len(s.chunks), len(s.objs)); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
	}
	if n, err = r.count(2); err != nil {
		return nil, err
	}
	s.globals = make([]rawGlobal, n)
	for i := range s.globals {
		if s.globals[i].name, err = r.str(); err != nil {
			return nil, err
		}
		if s.globals[i].val, err = readRef(r, len(s.objs)); err != nil {
			return nil, err
		}
	}
	if s.root, err = r.index(len(s.objs)); err != nil {
		return nil, err
	}
	if r.left() != 0 {
		return nil, errors.New("forksnap: trailing bytes after snapshot")
	}
	return s, nil
}

func parseObject(r *reader, ob *rawObj, nchunks, nobjs int) error {
	var err error
	if ob.kind, err = r.byte(); err != nil {
		return err
	}
	readPairs := func() error {
		n, err := r.count(2)
		if err != nil {
			return err
		}
		ob.pairs = make([]rawRef, 2*n)
		for i := range ob.pairs {
			if ob.pairs[i], err = readRef(r, nobjs); err != nil {
				return err
			}
		}
		return nil
	}
	switch ob.kind {
	case kindTable:
		if err := readPairs(); err != nil {
			return err
		}
		ob.meta, err = readRef(r, nobjs)
		return err
	case kindFunction:
		if ob.chunk, err = r.index(nchunks); err != nil {
			return err
		}
		n, err := r.count(1)
		if err != nil {
			return err
		}
		ob.path = make([]int, n)
		for i := range ob.path {
			// A proto has at most 2^18 children (Bx width).
			if ob.path[i], err = r.index(1 << 18); err != nil {
				return err
			}
		}
		if ob.env, err = readRef(r, nobjs); err != nil {
			return err
		}
		if n, err = r.count(1); err != nil {
			return err
		}
		ob.ups = make([]int, n)
		for i := range ob.ups {
			if ob.ups[i], err = r.index(nobjs); err != nil {
				return err
			}
		}
		return nil
	case kindUpvalue:
		ob.val, err = readRef(r, nobjs)
		return err
	case kindBuiltin:
		if ob.name, err = r.str(); err != nil {
			return err
		}
		return readPairs()
	case kindUserdata:
		if ob.name, err = r.str(); err != nil {
			return err
		}
		ob.data, err = r.bytes()
		return err
	}
	return fmt.Errorf("forksnap: unknown object kind %d", ob.kind)
}

func readRef(r *reader, nobjs int) (rawRef, error) {
	tag, err := r.byte()
	if err != nil {
		return rawRef{}, err
	}
	ref := rawRef{tag: tag}
	switch tag {
	case tagNil, tagFalse, tagTrue, tagGlobals:
	case tagNumber:
		ref.num, err = r.f64()
	case tagString:
		ref.str, err = r.str()
	case tagObject:
		ref.obj, err = r.index(nobjs)
	default:
		err = fmt.Errorf("forksnap: unknown value tag %d", tag)
	}
	return ref, err
}

// checkArrayBudget bounds memory before any table is filled: gopher-lua
// stores a positive integer key k below MaxArrayIndex in a dense array,
// allocating k slots, so t[60000000]=1 alone would cost ~1 GiB. The parent
// paid that too, but the child only trusts budgets derived from its input.
func checkArrayBudget(s *snapshot, inputLen int) error {
	budget := 64 * inputLen
	if budget < 1<<20 {
		budget = 1 << 20
	}
	total := 0
	for i := range s.objs {
		ob := &s.objs[i]
		maxKey := 0
		for j := 0; j < len(ob.pairs); j += 2 {
			k := ob.pairs[j]
			if k.tag == tagNumber && k.num >= 1 && k.num < float64(lua.MaxArrayIndex) && k.num == math.Trunc(k.num) {
				maxKey = max(maxKey, int(k.num))
			}
		}
		total += maxKey
		if total > budget {
			return fmt.Errorf("forksnap: sparse array indices need more than %d slots", budget)
		}
	}
	return nil
}

type decoder struct {
	L         *lua.LState
	o         Options
	s         *snapshot
	roots     []*lua.FunctionProto
	keys      []chunkKey
	newChunks []*chunk
	vals      []lua.LValue
	ups       []*lua.Upvalue
}

func (d *decoder) compileChunks() error {
	n := len(d.s.chunks)
	d.roots = make([]*lua.FunctionProto, n)
	d.keys = make([]chunkKey, n)
	d.newChunks = make([]*chunk, n)
	for i, rc := range d.s.chunks {
		key := chunkKey{name: rc.name, sum: sha256.Sum256(rc.src)}
		d.keys[i] = key
		if ch, ok := d.o.Chunks.byKey[key]; ok {
			d.roots[i] = ch.root
			continue
		}
		// Two snapshot entries with the same source share one compile.
		if j := indexKey(d.keys[:i], key); j >= 0 {
			d.roots[i] = d.roots[j]
			continue
		}
		root, err := compile(rc.src, rc.name)
		if err != nil {
			return fmt.Errorf("forksnap: chunk %q does not compile: %w", rc.name, err)
		}
		d.roots[i] = root
		d.newChunks[i] = &chunk{name: rc.name, src: append([]byte(nil), rc.src...), root: root}
	}
	return nil
}

func indexKey(keys []chunkKey, k chunkKey) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// create makes every object empty first, so link can wire references in any
// direction, cycles included.
func (d *decoder) create() error {
	for i := range d.s.objs {
		ob := &d.s.objs[i]
		switch ob.kind {
		case kindTable:
			d.vals[i] = d.L.NewTable()
		case kindFunction:
			p, ok := protoAt(d.roots[ob.chunk], ob.path)
			if !ok {
				return fmt.Errorf("forksnap: chunk %q has no function at %v", d.s.chunks[ob.chunk].name, ob.path)
			}
			if int(p.NumUpvalues) != len(ob.ups) {
				return fmt.Errorf("forksnap: function at %v in %q has %d upvalues, snapshot has %d",
					ob.path, d.s.chunks[ob.chunk].name, p.NumUpvalues, len(ob.ups))
			}
			d.vals[i] = d.L.NewFunctionFromProto(p)
		case kindUpvalue:
			d.ups[i] = &lua.Upvalue{}
		case kindBuiltin:
			v, err := d.o.Builtins.Resolve(d.L, ob.name)
			if err != nil {
				return err
			}
			d.vals[i] = v
		case kindUserdata:
			dec, ok := d.o.Decoders[ob.name]
			if !ok || dec == nil {
				return fmt.Errorf("forksnap: no decoder for carried userdata type %q", ob.name)
			}
			v, err := runDecoder(dec, d.L, ob.data)
			if err != nil {
				return fmt.Errorf("forksnap: decoding %s userdata: %w", ob.name, err)
			}
			if v == nil || v == lua.LNil {
				return fmt.Errorf("forksnap: decoder for %q returned nil", ob.name)
			}
			d.vals[i] = v
		}
	}
	return nil
}

func runDecoder(dec Decoder, L *lua.LState, data []byte) (v lua.LValue, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return dec(L, data)
}

func (d *decoder) link() error {
	for i := range d.s.objs {
		ob := &d.s.objs[i]
		switch ob.kind {
		case kindTable:
			t := d.vals[i].(*lua.LTable)
			if err := d.fill(t, ob.pairs, false); err != nil {
				return err
			}
			mt, err := d.value(ob.meta)
			if err != nil {
				return err
			}
			switch mt.(type) {
			case *lua.LNilType, *lua.LTable:
				t.Metatable = mt
			default:
				return fmt.Errorf("forksnap: metatable is a %s", mt.Type())
			}
		case kindFunction:
			fn := d.vals[i].(*lua.LFunction)
			env, err := d.value(ob.env)
			if err != nil {
				return err
			}
			envt, ok := env.(*lua.LTable)
			if !ok {
				return fmt.Errorf("forksnap: function environment is a %s", env.Type())
			}
			fn.Env = envt
			for j, u := range ob.ups {
				if d.s.objs[u].kind != kindUpvalue {
					return fmt.Errorf("forksnap: upvalue %d refers to a non-upvalue object", j)
				}
				fn.Upvalues[j] = d.ups[u]
			}
		case kindUpvalue:
			v, err := d.value(ob.val)
			if err != nil {
				return err
			}
			d.ups[i].SetValue(v)
		case kindBuiltin:
			if len(ob.pairs) == 0 {
				continue
			}
			t, ok := d.vals[i].(*lua.LTable)
			if !ok {
				return fmt.Errorf("forksnap: patch for builtin %q, which is not a table", ob.name)
			}
			if err := d.fill(t, ob.pairs, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill sets key/value pairs raw; only a builtin patch may set nil (that is
// how it deletes a field the script removed).
func (d *decoder) fill(t *lua.LTable, pairs []rawRef, allowNil bool) error {
	for j := 0; j+1 < len(pairs); j += 2 {
		k, err := d.value(pairs[j])
		if err != nil {
			return err
		}
		if k == lua.LNil {
			return errors.New("forksnap: nil table key")
		}
		if n, ok := k.(lua.LNumber); ok && math.IsNaN(float64(n)) {
			return errors.New("forksnap: NaN table key")
		}
		v, err := d.value(pairs[j+1])
		if err != nil {
			return err
		}
		if v == lua.LNil && !allowNil {
			return errors.New("forksnap: nil table value")
		}
		t.RawSet(k, v)
	}
	return nil
}

func (d *decoder) value(r rawRef) (lua.LValue, error) {
	switch r.tag {
	case tagNil:
		return lua.LNil, nil
	case tagFalse:
		return lua.LFalse, nil
	case tagTrue:
		return lua.LTrue, nil
	case tagNumber:
		return lua.LNumber(r.num), nil
	case tagString:
		return lua.LString(r.str), nil
	case tagGlobals:
		return d.L.G.Global, nil
	case tagObject:
		if d.s.objs[r.obj].kind == kindUpvalue {
			return nil, errors.New("forksnap: upvalue object used as a value")
		}
		return d.vals[r.obj], nil
	}
	return nil, fmt.Errorf("forksnap: unknown value tag %d", r.tag)
}
