package forksnap

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// objRec is one object of the snapshot. parent and step let an error name
// the variable path to a value without building path strings for the
// (usual) case where everything is carriable.
type objRec struct {
	kind   byte
	val    lua.LValue
	up     *lua.Upvalue
	parent int
	step   string
	body   writer
}

type globalRec struct {
	name string
	val  writer
}

type encoder struct {
	L       *lua.LState
	G       *lua.LTable
	o       Options
	ids     map[lua.LValue]int
	upIDs   map[*lua.Upvalue]int
	objs    []*objRec
	chunkID map[*chunk]int
	chunks  []*chunk
	gseen   map[string]bool
	globals []globalRec
	scanned map[*lua.FunctionProto]bool
}

// Encode snapshots fn and everything it can reach: upvalues (recursively),
// the globals its code (nested functions included) names, and whatever
// tables, functions and carriable userdata those lead to. L must be the
// state fn lives in, and must not be running on another goroutine.
func Encode(L *lua.LState, fn *lua.LFunction, o Options) ([]byte, error) {
	if fn == nil {
		return nil, errors.New("forksnap: Encode of a nil function")
	}
	if o.Chunks == nil {
		return nil, errors.New("forksnap: Options.Chunks is required")
	}
	if fn.IsG {
		return nil, &UncarriableError{Path: "the forked function", Type: "Go function",
			Reason: "fork needs a Lua function, whose code the child can recompile"}
	}
	e := &encoder{
		L: L, G: L.G.Global, o: o,
		ids:     map[lua.LValue]int{},
		upIDs:   map[*lua.Upvalue]int{},
		chunkID: map[*chunk]int{},
		gseen:   map[string]bool{},
		scanned: map[*lua.FunctionProto]bool{},
	}
	root, err := e.object(fn, -1, "")
	if err != nil {
		return nil, err
	}
	// A worklist rather than recursion: snapshots may be deep (long linked
	// lists) and objects found later only need an index now.
	for i := 0; i < len(e.objs); i++ {
		if err := e.process(i); err != nil {
			return nil, err
		}
	}
	return e.assemble(root), nil
}

func (e *encoder) assemble(root int) []byte {
	var out writer
	out.b = append(out.b, magic...)
	out.byte(version)
	out.uint(len(e.chunks))
	for _, ch := range e.chunks {
		out.str(ch.name)
		out.bytes(ch.src)
	}
	out.uint(len(e.objs))
	for _, ob := range e.objs {
		out.byte(ob.kind)
		out.append(&ob.body)
	}
	out.uint(len(e.globals))
	for i := range e.globals {
		out.str(e.globals[i].name)
		out.append(&e.globals[i].val)
	}
	out.uint(root)
	return out.b
}

// ref writes v as a value; step describes how v is reached from parent.
func (e *encoder) ref(w *writer, v lua.LValue, parent int, step string) error {
	if v == nil {
		v = lua.LNil
	}
	switch v := v.(type) {
	case *lua.LNilType:
		w.byte(tagNil)
	case lua.LBool:
		if v {
			w.byte(tagTrue)
		} else {
			w.byte(tagFalse)
		}
	case lua.LNumber:
		w.byte(tagNumber)
		w.f64(float64(v))
	case lua.LString:
		w.byte(tagString)
		w.str(string(v))
	default:
		if v == e.G {
			// The globals table is never copied: the child's own _G stands
			// in for it, as the brief for Env requires.
			w.byte(tagGlobals)
			return nil
		}
		id, err := e.object(v, parent, step)
		if err != nil {
			return err
		}
		w.byte(tagObject)
		w.uint(id)
	}
	return nil
}

func (e *encoder) object(v lua.LValue, parent int, step string) (int, error) {
	if id, ok := e.ids[v]; ok {
		return id, nil
	}
	rec := &objRec{val: v, parent: parent, step: step}
	if _, ok := e.o.Builtins.path(v); ok {
		rec.kind = kindBuiltin
	} else {
		switch x := v.(type) {
		case *lua.LTable:
			rec.kind = kindTable
		case *lua.LFunction:
			if x.IsG {
				return 0, e.uncarriable(v, parent, step, "")
			}
			if _, ok := e.o.Chunks.locate(x.Proto); !ok {
				return 0, e.uncarriable(v, parent, step, "")
			}
			rec.kind = kindFunction
		case *lua.LUserData:
			c, ok := x.Value.(Carrier)
			if !ok {
				return 0, e.uncarriable(v, parent, step, "")
			}
			data, err := c.CarryEncode()
			if err != nil {
				return 0, e.uncarriable(v, parent, step, "encoding it failed: "+err.Error())
			}
			rec.kind = kindUserdata
			rec.body.str(c.CarryType())
			rec.body.bytes(data)
		default:
			return 0, e.uncarriable(v, parent, step, "")
		}
	}
	id := len(e.objs)
	e.objs = append(e.objs, rec)
	e.ids[v] = id
	return id, nil
}

// upvalue gives each distinct *lua.Upvalue one object, which is what keeps
// two closures sharing a variable in the child.
func (e *encoder) upvalue(uv *lua.Upvalue, parent int, step string) int {
	if uv != nil {
		if id, ok := e.upIDs[uv]; ok {
			return id
		}
	}
	id := len(e.objs)
	e.objs = append(e.objs, &objRec{kind: kindUpvalue, up: uv, parent: parent, step: step})
	if uv != nil {
		e.upIDs[uv] = id
	}
	return id
}

func (e *encoder) process(id int) error {
	ob := e.objs[id]
	w := &ob.body
	switch ob.kind {
	case kindTable:
		t := ob.val.(*lua.LTable)
		pairs := tablePairs(t)
		w.uint(len(pairs))
		for _, p := range pairs {
			if err := e.ref(w, p.k, id, "key "+fieldName(p.k)); err != nil {
				return err
			}
			if err := e.ref(w, p.v, id, "field "+fieldName(p.k)); err != nil {
				return err
			}
		}
		return e.ref(w, t.Metatable, id, "metatable")
	case kindFunction:
		fn := ob.val.(*lua.LFunction)
		loc, _ := e.o.Chunks.locate(fn.Proto)
		w.uint(e.chunkIndex(loc.chunk))
		w.uint(len(loc.path))
		for _, i := range loc.path {
			w.uint(i)
		}
		// A nil Env is not reachable from Lua; treat it as the globals the
		// child would give a fresh function anyway.
		var env lua.LValue = e.G
		if fn.Env != nil {
			env = fn.Env
		}
		if err := e.ref(w, env, id, "environment"); err != nil {
			return err
		}
		w.uint(len(fn.Upvalues))
		for i, uv := range fn.Upvalues {
			w.uint(e.upvalue(uv, id, "upvalue "+upvalueName(fn.Proto, i)))
		}
		if env == e.G {
			return e.scanGlobals(fn.Proto)
		}
		return nil
	case kindUpvalue:
		var v lua.LValue = lua.LNil
		if ob.up != nil {
			v = ob.up.Value()
		}
		return e.ref(w, v, id, "")
	case kindBuiltin:
		path, _ := e.o.Builtins.path(ob.val)
		w.str(path)
		t, _ := ob.val.(*lua.LTable)
		patch := e.o.Builtins.patch(t)
		w.uint(len(patch))
		for _, p := range patch {
			if err := e.ref(w, p.k, id, "key "+fieldName(p.k)); err != nil {
				return err
			}
			if err := e.ref(w, p.v, id, "field "+fieldName(p.k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *encoder) chunkIndex(ch *chunk) int {
	if i, ok := e.chunkID[ch]; ok {
		return i
	}
	i := len(e.chunks)
	e.chunks = append(e.chunks, ch)
	e.chunkID[ch] = i
	return i
}

// scanGlobals carries the globals fn's code names, nested functions
// included since the child may create them. Values are read raw: encoding
// must not run a script's __index.
func (e *encoder) scanGlobals(p *lua.FunctionProto) error {
	var err error
	globalNames(p, e.scanned, func(name string) {
		if err == nil {
			err = e.global(name)
		}
	})
	return err
}

func (e *encoder) global(name string) error {
	if e.gseen[name] {
		return nil
	}
	e.gseen[name] = true
	v := e.G.RawGetString(name)
	step := "global " + quoteName(name)
	if sameValue(v, e.o.Builtins.original(name)) {
		// The child already has it under this name. A builtin table the
		// script modified still needs its patch, which travels with the
		// table's builtin object.
		if t, ok := v.(*lua.LTable); ok && t != e.G && len(e.o.Builtins.patch(t)) > 0 {
			var scratch writer
			return e.ref(&scratch, v, -1, step)
		}
		return nil
	}
	g := globalRec{name: name}
	if err := e.ref(&g.val, v, -1, step); err != nil {
		return err
	}
	e.globals = append(e.globals, g)
	return nil
}

func (e *encoder) uncarriable(v lua.LValue, parent int, step, reason string) error {
	typ, hint := describe(e.L, v)
	if reason == "" {
		reason = hint
	}
	return &UncarriableError{Path: e.pathOf(parent, step), Type: typ, Reason: reason}
}

func (e *encoder) pathOf(parent int, step string) string {
	var steps []string
	if step != "" {
		steps = append(steps, step)
	}
	for p := parent; p >= 0; p = e.objs[p].parent {
		if s := e.objs[p].step; s != "" {
			steps = append(steps, s)
		}
	}
	if len(steps) == 0 {
		return "the forked function"
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return strings.Join(steps, " → ")
}

// tablePairs uses Next rather than ForEach so snapshots of the same state
// are byte-identical (ForEach ranges over Go maps).
func tablePairs(t *lua.LTable) []kv {
	var out []kv
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		out = append(out, kv{k, v})
	}
	return out
}

func upvalueName(p *lua.FunctionProto, i int) string {
	if i < len(p.DbgUpvalues) && p.DbgUpvalues[i] != "" {
		return quoteName(p.DbgUpvalues[i])
	}
	return fmt.Sprintf("#%d", i+1)
}

func fieldName(k lua.LValue) string {
	switch k := k.(type) {
	case lua.LString:
		return quoteName(string(k))
	case lua.LNumber, lua.LBool:
		return "[" + k.String() + "]"
	}
	return "[" + k.Type().String() + "]"
}

func quoteName(s string) string {
	if isIdent(s) {
		return "'" + s + "'"
	}
	return fmt.Sprintf("%q", s)
}
