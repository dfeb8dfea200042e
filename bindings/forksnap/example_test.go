package forksnap_test

import (
	"fmt"

	"github.com/sctrace-lua/sctrace-lua/bindings/forksnap"
	lua "github.com/yuin/gopher-lua"
)

// open prepares an interpreter the same way in parent and child.
func open() (*lua.LState, forksnap.Options) {
	L := lua.NewState()
	chunks := forksnap.NewChunks()
	chunks.Install(L)
	return L, forksnap.Options{Chunks: chunks, Builtins: forksnap.IndexBuiltins(L)}
}

func Example() {
	// Parent: run the script and snapshot the block passed to fork.
	parent, popts := open()
	defer parent.Close()
	main, err := popts.Chunks.Load(parent, []byte(`
		local hits = {n = 2}
		greeting = "hello"
		return function(who)
			hits.n = hits.n + 1
			return string.format("%s %s #%d", greeting, who, hits.n)
		end`), "script.lua")
	if err != nil {
		panic(err)
	}
	parent.Push(main)
	parent.Call(0, 1)
	block := parent.CheckFunction(-1)
	data, err := forksnap.Encode(parent, block, popts)
	if err != nil {
		panic(err)
	}

	// Child: a fresh interpreter rebuilds the block and runs it.
	child, copts := open()
	defer child.Close()
	fn, err := forksnap.Decode(child, data, copts)
	if err != nil {
		panic(err)
	}
	child.Push(fn)
	child.Push(lua.LString("child"))
	child.Call(1, 1)
	fmt.Println(child.Get(-1))
	// Output: hello child #3
}
