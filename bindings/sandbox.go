package bindings

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// The host side of `run --sandbox` (scripts/sctrace/policy.lua): what a
// sandbox cannot do safely in Lua. require "sctrace.sandbox" returns
//
//	realdir(file)             the canonical absolute directory of file, from
//	                          the kernel (no $PWD, symlinks resolved)
//	load_beneath(dir, path [, chunkname])  compile the file at path (relative to dir, or
//	                          absolute) only if the kernel resolves it
//	                          beneath dir: openat2 RESOLVE_BENEATH, so no
//	                          "..", absolute symlink or magic link escapes
//	guarded(seconds, fn, ...) call fn under a time limit and the memory
//	                          limit (as callbacks are), raising on either
func (r *Runtime) sandboxModule(L *lua.LState) int {
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"realdir":      sandboxRealdir,
		"load_beneath": r.sandboxLoadBeneath,
		"guarded":      r.sandboxGuarded,
	})
	L.Push(t)
	return 1
}

func sandboxRealdir(L *lua.LState) int {
	file := L.CheckString(1)
	abs, err := filepath.Abs(file) // Getwd asks the kernel when $PWD is unset or wrong
	if err == nil {
		abs, err = filepath.EvalSymlinks(filepath.Dir(abs))
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s: %s", file, unwrapPath(err))))
		return 2
	}
	L.Push(lua.LString(abs))
	return 1
}

func (r *Runtime) sandboxLoadBeneath(L *lua.LState) int {
	dir := L.CheckString(1)
	path := L.CheckString(2)
	rel := path
	if filepath.IsAbs(path) {
		var err error
		if rel, err = filepath.Rel(dir, path); err != nil {
			rel = path
		}
	}
	rel = filepath.Clean(rel)
	if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s is outside %s", path, dir)))
		return 2
	}
	src, err := readBeneath(dir, rel)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("cannot open %s: %s", path, err)))
		return 2
	}
	fn, err := r.chunks.Load(L, skipShebang(src), L.OptString(3, filepath.Join(dir, rel)))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

// readBeneath reads dir/rel where the kernel resolves rel without leaving
// dir (symlinks included).
func readBeneath(dir, rel string) ([]byte, error) {
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	fd, err := unix.Openat2(dfd, rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		if err == unix.EXDEV {
			return nil, fmt.Errorf("it resolves outside %s", dir)
		}
		return nil, err
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 16<<20))
}

// guarded(seconds, fn, ...) → fn's results.
func (r *Runtime) sandboxGuarded(L *lua.LState) int {
	secs := float64(L.CheckNumber(1))
	fn := L.CheckFunction(2)
	if secs <= 0 {
		L.ArgError(1, "a positive time limit expected")
	}
	g := r.newGuardTimeout(time.Duration(secs * float64(time.Second)))
	g.what = "sandboxed policy"
	defer g.close()
	args := L.GetTop() - 2
	base := L.GetTop()
	L.Push(fn)
	for i := 1; i <= args; i++ {
		L.Push(L.Get(2 + i))
	}
	if err := g.call(L, args, lua.MultRet); err != nil {
		L.Error(lua.LString(scriptError(err).Error()), 0) // the message names the policy's line
	}
	return L.GetTop() - base
}
