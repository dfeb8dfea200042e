package bindings_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/bindings"
	"github.com/sctrace-lua/sctrace-lua/test/testenv"
)

func TestMain(m *testing.M) {
	if bindings.IsChild() {
		os.Exit(bindings.RunChild(bindings.Options{}))
	}
	os.Exit(testenv.Run(m))
}

// The Lua scripts in testdata/lua/unit check the API from Lua with
// asserts and print "ok" at the end.
func TestLuaUnitScripts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "lua", "unit", "*.lua"))
	if len(files) == 0 {
		t.Fatal("no unit scripts found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var stderr bytes.Buffer
			r := bindings.New(bindings.Options{Stderr: &stderr})
			defer r.Close()
			out := captureStdout(t, func() error { return r.DoFile(f, nil) })
			if out.err != nil {
				t.Fatalf("%v\n%s", out.err, stderr.String())
			}
			if strings.TrimSpace(out.text) != "ok" {
				t.Errorf("output %q, want ok; stderr:\n%s", out.text, stderr.String())
			}
		})
	}
}

type captured struct {
	text string
	err  error
}

// captureStdout collects what Lua's print writes (it writes to os.Stdout).
func captureStdout(t *testing.T, f func() error) captured {
	t.Helper()
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = wr
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		b.ReadFrom(rd)
		done <- b.String()
	}()
	ferr := f()
	os.Stdout = old
	wr.Close()
	return captured{<-done, ferr}
}

func TestScriptErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := bindings.New(bindings.Options{})
	defer r.Close()
	err := r.DoString("local x = = 1", "chunk")
	var se *bindings.ScriptError
	if !asScriptError(err, &se) || se.Msg != "chunk:1: syntax error near '='" {
		t.Errorf("syntax error: %#v", err)
	}
	err = r.DoString("\n\nerror('boom')", "chunk")
	if !asScriptError(err, &se) || se.Msg != "chunk:3: boom" || !strings.Contains(se.Traceback, "stack traceback") {
		t.Errorf("runtime error: %#v", err)
	}
}

func asScriptError(err error, se **bindings.ScriptError) bool {
	e, ok := err.(*bindings.ScriptError)
	*se = e
	return ok
}

func ExampleRuntime_DoString() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := bindings.New(bindings.Options{})
	defer r.Close()
	err := r.DoString(`
		local ctx = Seccomp.new({default = "allow"}, function(rule)
			rule:trace("connect", 7)
			rule:errno("EPERM", "mkdir")
		end)
		for _, rule in ipairs(ctx:rules()) do print(rule.syscall, rule.action) end
		print(Seccomp.syscall_to_name(Seccomp.syscall_to_i("openat2")))`, "example")
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// connect	trace(7)
	// mkdir	errno(EPERM)
	// openat2
}
