package bindings

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// pathEnv adds directories to require's search path, like LUA_PATH but
// as plain directories: "dir1:dir2".
const pathEnv = "SCTRACE_LUA_PATH"

// embeddedPrefix names chunks loaded from the shipped scripts, so errors
// say where the code came from.
const embeddedPrefix = "[sctrace-lua]/"

// setupRequire makes require search, in order: the script's directory
// (added by DoFile), ./, SCTRACE_LUA_PATH, and last the shipped scripts.
func (r *Runtime) setupRequire() {
	pkg, ok := r.L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	parts := []string{"./?.lua", "./?/init.lua"}
	for _, d := range filepath.SplitList(os.Getenv(pathEnv)) {
		if d != "" {
			parts = append(parts, filepath.Join(d, "?.lua"), filepath.Join(d, "?", "init.lua"))
		}
	}
	if cur := pkg.RawGetString("path"); cur.Type() == lua.LTString {
		parts = append(parts, strings.Split(cur.String(), ";")...)
	}
	seen := map[string]bool{}
	uniq := parts[:0]
	for _, p := range parts {
		if p != "" && !seen[p] {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	pkg.RawSetString("path", lua.LString(strings.Join(uniq, ";")))
	if r.scripts == nil {
		return
	}
	if loaders, ok := r.L.GetField(r.L.Get(lua.RegistryIndex), "_LOADERS").(*lua.LTable); ok {
		loaders.Append(r.L.NewFunction(r.loaderEmbedded))
	}
}

// loaderEmbedded is a package.loaders searcher for the shipped scripts:
// "policies.deny-network" → policies/deny-network.lua.
func (r *Runtime) loaderEmbedded(L *lua.LState) int {
	name := L.CheckString(1)
	p := strings.ReplaceAll(name, ".", "/") + ".lua"
	src, err := r.ReadScript(p)
	if err != nil {
		L.Push(lua.LString("\n\tno shipped script '" + p + "'"))
		return 1
	}
	fn, err := r.chunks.Load(L, src, embeddedPrefix+p)
	if err != nil {
		L.RaiseError("error loading module '%s' from shipped script %s:\n\t%s", name, p, err.Error())
	}
	L.Push(fn)
	return 1
}

// ReadScript reads a shipped script by its path under scripts/.
func (r *Runtime) ReadScript(p string) ([]byte, error) {
	if r.scripts == nil {
		return nil, fs.ErrNotExist
	}
	return fs.ReadFile(r.scripts, path.Clean(p))
}

// DoEmbedded runs a shipped script (the front end of a subcommand) with
// args, as if it were the file at scripts/p.
func (r *Runtime) DoEmbedded(p string, args []string) error {
	src, err := r.ReadScript(p)
	if err != nil {
		return err
	}
	r.SetArgs(embeddedPrefix+p, args)
	return r.runMain(src, embeddedPrefix+p, args)
}
