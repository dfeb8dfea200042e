package hostile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

// run --sandbox for a policy one did not write: its confinement does not
// depend on the environment (PWD unset or lying), a symlink next to it
// cannot lead out, loading has time and memory limits, and errors name the
// policy's file and line.
func TestSandbox(t *testing.T) {
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		s := hostiletest.S()
		if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
			t.Skipf("%s is not reachable by uid 65534", s.Dir)
		}
		dir := s.Scratch(t, u)
		secret := filepath.Join(s.Dir, "secret.lua") // outside the policy's directory
		hostiletest.WriteFile(t, u, secret, `return {leaked = true}`, 0o644)
		pol := func(name, body string) string {
			p := filepath.Join(dir, name+".lua")
			hostiletest.WriteFile(t, u, p, body+"\nreturn {description = \"d\", rules = function(r) r:trace(\"mkdir\", 0) end}\n", 0o644)
			return name + ".lua"
		}
		os.Symlink(secret, filepath.Join(dir, "link.lua"))
		cases := []struct{ name, body, want string }{
			{"abs", `local x = loadfile("` + secret + `")`, "abs.lua:1: sandbox: loading " + secret + " (outside "},
			{"dotdot", `local x = dofile("../secret.lua")`, "dotdot.lua:1: sandbox: loading ../secret.lua (outside "},
			{"symlink", `local x = require("link")`, "symlink.lua:1: sandbox: loading link.lua (outside "},
			{"io", `local x = io.open("` + secret + `")`, "io.lua:1: sandbox: io (files) is not available to a sandboxed policy"},
		}
		for _, c := range cases {
			p := pol(c.name, c.body)
			// relative policy path, PWD unset, and PWD lying ("/")
			for _, env := range [][]string{nil, {"PWD=/"}} {
				r := s.Run(t, hostiletest.Opts{User: u, Dir: dir, Unset: []string{"PWD"}, Env: env}, "run", "--sandbox", "-p", p, "--", "/bin/true")
				if r.Code != 2 || !strings.Contains(r.Stderr, c.want) || strings.Count(r.Stderr, "\n") != 1 {
					t.Errorf("%s (env %v): exit %d, stderr:\n%s\nwant %q", c.name, env, r.Code, r.Stderr, c.want)
				}
			}
		}
		// a helper module next to the policy still loads
		hostiletest.WriteFile(t, u, filepath.Join(dir, "helper.lua"), `return {errno = "EPERM"}`, 0o644)
		ok := filepath.Join(dir, "ok.lua")
		hostiletest.WriteFile(t, u, ok, `local h = require("helper")
return {description = "d", rules = function(r) r:trace("mkdir", 0) end,
  on_syscall = function(call) return {"errno", h.errno} end}`, 0o644)
		r := s.Run(t, hostiletest.Opts{User: u, Dir: dir, Unset: []string{"PWD"}}, "run", "--sandbox", "-p", "ok.lua", "--", "mkdir", filepath.Join(dir, "x"))
		if r.Code != 1 || !strings.Contains(r.Stderr, "Operation not permitted") {
			t.Errorf("allowed policy: exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
		// limits while loading: time (5 s) and memory
		spin := pol("spin", `while true do end`)
		r = s.Run(t, hostiletest.Opts{User: u, Dir: dir}, "run", "--sandbox", "-p", spin, "--", "/bin/true")
		if r.Code != 2 || !strings.Contains(r.Stderr, "spin.lua:1: sandboxed policy timed out after 5s") {
			t.Errorf("endless load: exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
		grow := filepath.Join(dir, "grow.lua")
		hostiletest.WriteFile(t, u, grow, `return {description = "d", rules = function(r)
  local t = {} while true do t[#t + 1] = {1} end end}`, 0o644)
		r = s.Run(t, hostiletest.Opts{User: u, Dir: dir}, "--memory-limit", "64", "run", "--sandbox", "-p", "grow.lua", "--", "/bin/true")
		if r.Code != 2 || !strings.Contains(r.Stderr, "grow.lua:2: sandboxed policy exceeded the memory limit of 64 MiB") {
			t.Errorf("growing rules(): exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
		// and in callbacks (2 s under --sandbox); the error names the policy line
		loop := filepath.Join(dir, "loop.lua")
		hostiletest.WriteFile(t, u, loop, `return {description = "d", rules = function(r) r:trace("mkdir", 0) end,
  on_syscall = function(call)
    while true do end
  end}`, 0o644)
		r = s.Run(t, hostiletest.Opts{User: u, Dir: dir}, "run", "--sandbox", "-p", "loop.lua", "--", "mkdir", filepath.Join(dir, "y"))
		if r.Code != 1 || !strings.Contains(r.Stderr, "sctrace-lua run: loop.lua:3: callback timed out after 2s (the traced processes were killed)\n") {
			t.Errorf("endless callback: exit %d, stderr:\n%s", r.Code, r.Stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "y")); err == nil {
			t.Error("the mkdir ran")
		}
	})
}
