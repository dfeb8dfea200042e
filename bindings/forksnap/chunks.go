package forksnap

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/sctrace-lua/sctrace-lua/bindings/lua51"
)

// Chunks records every chunk this interpreter compiled, so that any Lua
// function it later meets can be named as (chunk, proto path) and recompiled
// in the child. It is owned by one interpreter and, like the LState, must be
// used from one goroutine at a time.
type Chunks struct {
	list    []*chunk
	byKey   map[chunkKey]*chunk
	byProto map[*lua.FunctionProto]protoLoc
}

type chunk struct {
	name string
	src  []byte
	root *lua.FunctionProto
}

// chunkKey hashes the source so that re-loading identical code (a load() in
// a loop) reuses one proto tree instead of growing the record without bound.
type chunkKey struct {
	name string
	sum  [sha256.Size]byte
}

type protoLoc struct {
	chunk *chunk
	path  []int
}

// NewChunks returns an empty record; create one per interpreter.
func NewChunks() *Chunks {
	return &Chunks{
		byKey:   map[chunkKey]*chunk{},
		byProto: map[*lua.FunctionProto]protoLoc{},
	}
}

// Load compiles src like L.Load does (same chunk name, same error values) and
// records it. The returned function's Env is L.Env, as with gopher-lua.
func (c *Chunks) Load(L *lua.LState, src []byte, chunkname string) (*lua.LFunction, error) {
	ch, err := c.add(src, chunkname)
	if err != nil {
		return nil, err
	}
	return L.NewFunctionFromProto(ch.root), nil
}

// LoadFile mirrors L.LoadFile: the chunk name is the bare path (so messages
// read "path:line: msg"), an empty path means stdin, and a leading "#" line
// is blanked while its newline is kept so line numbers do not shift.
func (c *Chunks) LoadFile(L *lua.LState, path string) (*lua.LFunction, error) {
	var data []byte
	var err error
	if path == "" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, &lua.ApiError{Type: lua.ApiErrorFile, Object: lua.LString(err.Error()), Cause: err}
	}
	if len(data) > 0 && data[0] == '#' {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i:]
		} else {
			data = nil
		}
	}
	return c.Load(L, data, path)
}

func (c *Chunks) add(src []byte, name string) (*chunk, error) {
	key := chunkKey{name: name, sum: sha256.Sum256(src)}
	if ch, ok := c.byKey[key]; ok {
		return ch, nil
	}
	root, err := compile(src, name)
	if err != nil {
		return nil, &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(err.Error()), Cause: err}
	}
	ch := &chunk{name: name, src: bytes.Clone(src), root: root}
	c.record(key, ch)
	return ch, nil
}

func (c *Chunks) record(key chunkKey, ch *chunk) {
	c.list = append(c.list, ch)
	c.byKey[key] = ch
	type item struct {
		p    *lua.FunctionProto
		path []int
	}
	stack := []item{{ch.root, nil}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, dup := c.byProto[it.p]; dup {
			continue
		}
		c.byProto[it.p] = protoLoc{chunk: ch, path: it.path}
		for i, sub := range it.p.FunctionPrototypes {
			p := make([]int, len(it.path)+1)
			copy(p, it.path)
			p[len(it.path)] = i
			stack = append(stack, item{sub, p})
		}
	}
}

func (c *Chunks) locate(p *lua.FunctionProto) (protoLoc, bool) {
	if c == nil {
		return protoLoc{}, false
	}
	loc, ok := c.byProto[p]
	return loc, ok
}

// compile parses and compiles src, with lua51's rewrite in between so the
// code means what Lua 5.1 says (every chunk of the program, in parent and
// child, is compiled here). The child feeds it bytes from a pipe, so any
// panic escaping gopher-lua's parser or compiler becomes an error.
func compile(src []byte, name string) (proto *lua.FunctionProto, err error) {
	defer func() {
		if r := recover(); r != nil {
			proto, err = nil, fmt.Errorf("compiler panic: %v", r)
		}
	}()
	stmts, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		return nil, err
	}
	return lua.Compile(lua51.Rewrite(stmts), name)
}

// protoAt walks a recorded path; every index is checked because in the
// child the path came from the wire.
func protoAt(root *lua.FunctionProto, path []int) (*lua.FunctionProto, bool) {
	p := root
	for _, i := range path {
		if i < 0 || i >= len(p.FunctionPrototypes) {
			return nil, false
		}
		p = p.FunctionPrototypes[i]
	}
	return p, true
}
