package forksnap

import (
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func encodeErr(t *testing.T, setup func(L *lua.LState), src string) error {
	t.Helper()
	parent := newInterp(t)
	if setup != nil {
		setup(parent.L)
	}
	fn := parent.evalFn(t, src)
	_, err := Encode(parent.L, fn, parent.opts)
	if err == nil {
		t.Fatal("Encode succeeded, want an uncarriable error")
	}
	if !errors.Is(err, ErrUncarriable) {
		t.Fatalf("%v is not ErrUncarriable", err)
	}
	return err
}

func wantMentions(t *testing.T, err error, parts ...string) {
	t.Helper()
	t.Log(err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestUncarriableValues(t *testing.T) {
	cases := []struct {
		name  string
		setup func(L *lua.LState)
		src   string
		want  []string
	}{
		{"coroutine", nil, `
			local f = coroutine.create(function() end)
			return function() return f end`,
			[]string{"upvalue 'f'", "(thread)", "coroutines"}},
		{"open file in a field", nil, `
			local cfg = {out = io.stdout}
			return function() cfg.out:write("x") end`,
			[]string{"cannot carry upvalue 'cfg' → field 'out' (userdata FILE*) into the forked child: open files cannot cross a fork; open it inside the block"}},
		{"through a helper", nil, `
			local cfg = {out = io.stderr}
			local function logf(s) cfg.out:write(s) end
			return function() logf("x") end`,
			[]string{"upvalue 'logf' → upvalue 'cfg' → field 'out'"}},
		{"go function registered late", func(L *lua.LState) {
			L.SetGlobal("late", L.NewFunction(func(*lua.LState) int { return 0 }))
		}, `return function() late() end`,
			[]string{"global 'late'", "(Go function)"}},
		{"userdata without Carrier", func(L *lua.LState) {
			ud := L.NewUserData()
			ud.Value = struct{}{}
			L.SetGlobal("conn", ud)
		}, `return function() return conn end`,
			[]string{"global 'conn'", "userdata", "Carrier"}},
		{"bad key", nil, `
			local t = {[coroutine.create(print)] = 1}
			return function() return t end`,
			[]string{"upvalue 't' → key [thread]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantMentions(t, encodeErr(t, tc.setup, tc.src), tc.want...)
		})
	}
}

func TestEncodeRejectsGoFunction(t *testing.T) {
	in := newInterp(t)
	_, err := Encode(in.L, in.L.NewFunction(func(*lua.LState) int { return 0 }), in.opts)
	if !errors.Is(err, ErrUncarriable) {
		t.Fatalf("got %v", err)
	}
}
