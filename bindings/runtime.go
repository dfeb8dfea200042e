package bindings

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/bindings/forksnap"
	"github.com/sctrace-lua/sctrace-lua/bindings/lua51"
	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/landlock"
)

// Options configure a Runtime.
type Options struct {
	// Stderr receives warnings and callback tracebacks; os.Stderr if nil.
	Stderr io.Writer
	// Scripts are the shipped scripts (scripts.FS), searched last by
	// require and run by DoEmbedded; nil for none.
	Scripts fs.FS
	// CallbackTimeout interrupts a start_trace callback that runs longer
	// (0: no limit); the traced tree is killed and start_trace raises.
	CallbackTimeout time.Duration
	// MemoryLimit interrupts a callback while the Go heap is larger
	// (0: DefaultMemoryLimit).
	MemoryLimit uint64
}

// Runtime is one Lua interpreter with the sctrace-lua API loaded.
type Runtime struct {
	L        *lua.LState
	sess     *engine.Session
	chunks   *forksnap.Chunks
	builtins *forksnap.Builtins
	stderr   io.Writer
	scripts  fs.FS

	inChild bool           // running a Process.fork block
	armed   []armedProgram // filters armed by ctx:load() and p:load(), installed by exec()
	// Landlock rulesets armed by ruleset:load(), entered by exec()
	armedLandlock []landlock.Ruleset
	execFailed    bool   // the last exec() failed: the child exits 127
	callSeq       uint64 // numbers seccomp stops, so stale call objects are refused

	callbackTimeout time.Duration
	memoryLimit     uint64
	guard           *guard // of the running start_trace, if any
}

// New opens an interpreter with the standard libraries and the sctrace-lua
// API.
// Precondition: the runtime OS thread must be locked.
func New(o Options) *Runtime {
	r := &Runtime{
		L:               newState(),
		sess:            engine.NewSession(),
		chunks:          forksnap.NewChunks(),
		stderr:          o.Stderr,
		scripts:         o.Scripts,
		callbackTimeout: o.CallbackTimeout,
		memoryLimit:     o.MemoryLimit,
	}
	if r.memoryLimit == 0 {
		r.memoryLimit = DefaultMemoryLimit
	}
	if r.stderr == nil {
		r.stderr = os.Stderr
	}
	r.open()
	return r
}

// The Lua stack (gopher-lua's registry) starts at gopher-lua's default
// size (5,120 slots) and grows on demand up to registryMaxSize slots (16
// bytes each: 32 MiB at most), so that `...`, {...}, unpack and Go calls
// with every argument the kernel can pass work: execve takes fewer than
// 700,000 argv+envp strings (their pointers and bytes share a 6 MiB cap,
// less with a smaller RLIMIT_STACK). Beyond it a push fails with the Lua error "registry
// overflow"; runaway recursion still ends in "stack overflow" (the call
// stack stays fixed at lua.CallStackSize frames).
const (
	registryMaxSize  = 1 << 21
	registryGrowStep = 1 << 17 // slots added past what a push needs: gopher-lua grows linearly, so few copies
)

// maxVarargs bounds how many arguments a main chunk gets in `...` (arg
// always holds them all): more than execve can deliver, so a script gets
// every argument there too; an embedding program passing more gets the
// first maxVarargs. A variable for tests.
var maxVarargs = 1 << 20

func newState() *lua.LState {
	return lua.NewState(lua.Options{
		RegistrySize:     lua.RegistrySize,
		RegistryMaxSize:  registryMaxSize,
		RegistryGrowStep: registryGrowStep,
	})
}

func (r *Runtime) open() {
	L := r.L
	registerStatus(L)
	r.registerContext()
	r.registerCall()
	r.registerRuleset()
	seccomp := r.seccompModule()
	r.registerProfile(seccomp)
	process := r.processModule()
	L.SetGlobal("Seccomp", seccomp)
	L.SetGlobal("Process", process)
	L.SetGlobal("exec", process.RawGetString("exec"))
	ll := r.landlockModule()
	L.SetGlobal("Landlock", ll)
	preload := L.GetField(L.GetField(L.Get(lua.EnvironIndex), "package"), "preload")
	if tb, ok := preload.(*lua.LTable); ok {
		tb.RawSetString("seccomp", L.NewFunction(func(L *lua.LState) int { L.Push(seccomp); return 1 }))
		tb.RawSetString("process", L.NewFunction(func(L *lua.LState) int { L.Push(process); return 1 }))
		tb.RawSetString("landlock", L.NewFunction(func(L *lua.LState) int { L.Push(ll); return 1 }))
		tb.RawSetString("sctrace.sandbox", L.NewFunction(r.sandboxModule))
	}
	L.SetGlobal("print", L.NewFunction(luaPrint))
	if ostab, ok := L.GetGlobal("os").(*lua.LTable); ok {
		ostab.RawSetString("exit", L.NewFunction(r.osExit))
	}
	lua51.Open(L)
	r.chunks.Install(L)
	r.setupRequire()
	r.builtins = forksnap.IndexBuiltins(L)
}

// Close kills never-released forked children and frees the interpreter.
func (r *Runtime) Close() {
	r.sess.Close()
	r.L.Close()
}

// SetArgs sets the global arg table as the lua interpreter does: arg[0] is
// the script, arg[1..] its arguments, arg[-1] the interpreter.
func (r *Runtime) SetArgs(script string, args []string) {
	t := r.L.NewTable()
	t.RawSetInt(-1, lua.LString(os.Args[0]))
	t.RawSetInt(0, lua.LString(script))
	for i, a := range args {
		t.RawSetInt(i+1, lua.LString(a))
	}
	r.L.SetGlobal("arg", t)
}

// DoString runs code as a chunk named name (as `lua -e` does).
func (r *Runtime) DoString(code, name string) error {
	fn, err := r.chunks.Load(r.L, []byte(code), name)
	if err != nil {
		return loadError(err, lineCount([]byte(code)))
	}
	return r.call(fn)
}

// DoFile runs the script at path with args as its varargs. The script's
// directory is searched first by require.
func (r *Runtime) DoFile(path string, args []string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, unwrapPath(err))
	}
	r.addScriptDir(filepath.Dir(path))
	return r.runMain(skipShebang(src), path, args)
}

// runMain compiles src as a main chunk and calls it with args as `...`
// (the first maxVarargs of them).
func (r *Runtime) runMain(src []byte, name string, args []string) error {
	fn, err := r.chunks.Load(r.L, src, name)
	if err != nil {
		return loadError(err, lineCount(src))
	}
	if len(args) > maxVarargs {
		args = args[:maxVarargs]
	}
	vals := make([]lua.LValue, len(args))
	for i, a := range args {
		vals[i] = lua.LString(a)
	}
	return r.call(fn, vals...)
}

func (r *Runtime) call(fn *lua.LFunction, args ...lua.LValue) error {
	r.L.Push(fn)
	for _, a := range args {
		r.L.Push(a)
	}
	if err := r.L.PCall(len(args), 0, nil); err != nil {
		return scriptError(err)
	}
	return nil
}

func lineCount(src []byte) int { return bytes.Count(bytes.TrimRight(src, "\n"), []byte{'\n'}) + 1 }

// skipShebang blanks a leading line that starts with # (a #! line, as
// Lua 5.1's loadfile skips any) but keeps the newline, so line numbers in
// errors stay right.
func skipShebang(src []byte) []byte {
	if len(src) < 1 || src[0] != '#' {
		return src
	}
	i := 0
	for i < len(src) && src[i] != '\n' {
		i++
	}
	out := make([]byte, 0, len(src)-i+2)
	out = append(out, "--"...)
	return append(out, src[i:]...)
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// addScriptDir puts the script's directory first on package.path.
func (r *Runtime) addScriptDir(dir string) {
	pkg, ok := r.L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	p := filepath.Join(dir, "?.lua") + ";" + filepath.Join(dir, "?", "init.lua")
	if cur := pkg.RawGetString("path"); cur.Type() == lua.LTString {
		p += ";" + cur.String()
	}
	pkg.RawSetString("path", lua.LString(p))
}
