package forksnap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestRequiredModuleFunctions(t *testing.T) {
	dir := t.TempDir()
	mod := `
		local M = {}
		local calls = 0
		function M.bump() calls = calls + 1; return calls end
		return M`
	if err := os.WriteFile(filepath.Join(dir, "mymod.lua"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	parent := newInterp(t)
	parent.L.SetGlobal("DIR", lua.LString(dir))
	fn := parent.evalFn(t, `
		package.path = DIR .. "/?.lua;" .. package.path
		local m = require("mymod")
		m.bump()
		return function() return m.bump() end`)
	data, err := Encode(parent.L, fn, parent.opts)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := parseSnapshot(data)
	if len(s.chunks) != 2 {
		t.Errorf("snapshot has %d chunks, want main + module", len(s.chunks))
	}
	child := newInterp(t)
	cfn, err := Decode(child.L, data, child.opts)
	if err != nil {
		t.Fatal(err)
	}
	wantValues(t, child.call(t, cfn), lua.LNumber(2))
}

// The replacements must be indistinguishable from gopher-lua's own.
func TestInstallKeepsLuaConventions(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lua")
	if err := os.WriteFile(bad, []byte("#!/usr/bin/env lua\nlocal x = = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.lua")
	if err := os.WriteFile(good, []byte("#!shebang\nreturn 7, ...\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := filepath.Join(dir, "boom.lua")
	if err := os.WriteFile(boom, []byte("#!shebang\n\nerror('boom')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
		local r = {}
		local f, e = loadstring("x = = 1", "chunk") ; r[#r+1] = tostring(f) .. "|" .. tostring(e)
		f, e = loadstring("return 1 + ...") ; r[#r+1] = f(2)
		local parts = {"return ", "'via", " load'"}
		f = load(function() return table.remove(parts, 1) end) ; r[#r+1] = f()
		f, e = load(function() return {} end) ; r[#r+1] = tostring(f) .. "|" .. e
		f, e = loadfile(BAD) ; r[#r+1] = tostring(f) .. "|" .. tostring(e)
		f, e = loadfile(BAD .. ".missing") ; r[#r+1] = tostring(f) .. "|" .. tostring(e)
		r[#r+1] = dofile(GOOD)
		local ok, err = pcall(dofile, BAD) ; r[#r+1] = tostring(ok) .. "|" .. tostring(err)
		ok, err = pcall(dofile, BOOM) ; r[#r+1] = tostring(ok) .. "|" .. tostring(err)
		ok, err = pcall(require, "nosuchmod") ; r[#r+1] = tostring(ok) .. "|" .. tostring(err)
		return table.concat(r, "\n")`
	run := func(L *lua.LState) string {
		L.SetGlobal("BAD", lua.LString(bad))
		L.SetGlobal("GOOD", lua.LString(good))
		L.SetGlobal("BOOM", lua.LString(boom))
		if err := L.DoString(script); err != nil {
			t.Fatal(err)
		}
		defer L.Pop(1)
		return L.Get(-1).String()
	}
	plain := lua.NewState()
	defer plain.Close()
	want := run(plain)
	in := newInterp(t)
	got := run(in.L)
	if got != want {
		t.Errorf("Install changed behaviour:\n got: %s\nwant: %s", got, want)
	}
	// gopher-lua spells syntax errors "path line:N(column:M)" and runtime
	// errors "path:N: msg"; either way the blanked "#" line still counts.
	if !strings.Contains(got, bad+" line:2(") || !strings.Contains(got, boom+":3: boom") {
		t.Errorf("chunk names or line numbers differ from gopher-lua's: %s", got)
	}

	_, err1 := in.opts.Chunks.LoadFile(in.L, bad)
	_, err2 := plain.LoadFile(bad)
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Errorf("LoadFile error %v, gopher-lua says %v", err1, err2)
	}
}

func TestUnrecordedChunkIsUncarriable(t *testing.T) {
	parent := newInterp(t)
	if err := parent.L.DoString(`function sneaky() end`); err != nil {
		t.Fatal(err)
	}
	fn := parent.evalFn(t, `return function() sneaky() end`)
	_, err := Encode(parent.L, fn, parent.opts)
	if err == nil || !strings.Contains(err.Error(), "global 'sneaky'") || !strings.Contains(err.Error(), "forksnap.Chunks") {
		t.Fatalf("got %v", err)
	}
}
