package bindings

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// Decoded values reach Lua with their shape: numbers exact or as "0x…"
// strings, lists as sequences, addresses and structs as tables.
func TestLuaValue(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	cases := []struct {
		v    any
		want string
	}{
		{nil, "nil"},
		{int64(-100), "-100"},
		{uint64(1) << 60, "0x1000000000000000"},
		{uint64(4096), "4096"},
		{"x\x00y", "x\x00y"},
		{[]string{"a", "b"}, "a,b"},
		{[]int64{3, 4}, "3,4"},
		{&decode.Sockaddr{Family: "AF_INET", Addr: "127.0.0.1", Port: 80}, "AF_INET 127.0.0.1 80"},
		{&decode.Sockaddr{Family: "AF_NETLINK", Pid: 7, Groups: 5}, "AF_NETLINK 7 5"},
		{map[string]any{"tv_sec": int64(1), "tv_nsec": int64(2)}, "1 2"},
	}
	show := func(v lua.LValue) string {
		t, ok := v.(*lua.LTable)
		if !ok {
			return v.String()
		}
		if s := t.RawGetString("family"); s != lua.LNil {
			if s.String() == "AF_NETLINK" {
				return s.String() + " " + t.RawGetString("pid").String() + " " + t.RawGetString("groups").String()
			}
			return s.String() + " " + t.RawGetString("addr").String() + " " + t.RawGetString("port").String()
		}
		if s := t.RawGetString("tv_sec"); s != lua.LNil {
			return s.String() + " " + t.RawGetString("tv_nsec").String()
		}
		var parts []string
		t.ForEach(func(_, v lua.LValue) { parts = append(parts, v.String()) })
		return strings.Join(parts, ",")
	}
	for _, c := range cases {
		if got := show(luaValue(L, c.v)); got != c.want {
			t.Errorf("luaValue(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestDecodeOptions(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, c := range []struct {
		code string
		want string // error substring, "" for success
		o    decode.Options
	}{
		{`return {strsize = 64, fdpaths = true}`, "", decode.Options{StrSize: 64, FdPaths: true}},
		{`return {strsize = 0}`, "", decode.Options{StrSize: -1}},
		{`return {}`, "", decode.Options{}},
		{`return {strsize = -1}`, "out of range", decode.Options{}},
		{`return {strsize = 1.5}`, "out of range", decode.Options{}},
		{`return {strsize = "32"}`, "must be a number", decode.Options{}},
		{`return {fdpaths = 1}`, "must be a boolean", decode.Options{}},
		{`return {verbose = true, hex = "non-ascii"}`, "", decode.Options{Verbose: true, Hex: decode.HexNonASCII}},
		{`return {hex = "all"}`, "", decode.Options{Hex: decode.HexAll}},
		{`return {verbose = "yes"}`, "option 'verbose' must be a boolean", decode.Options{}},
		{`return {hex = "some"}`, "option 'hex' must be none, non-ascii, non-ascii-chars or all, got 'some'", decode.Options{}},
		{`return {hex = true}`, "option 'hex' must be a string", decode.Options{}},
	} {
		if err := L.DoString(c.code); err != nil {
			t.Fatal(err)
		}
		tbl := L.Get(-1).(*lua.LTable)
		L.Pop(1)
		var got decode.Options
		err := L.CallByParam(lua.P{Fn: L.NewFunction(func(L *lua.LState) int {
			got = decodeOptions(L, 1, tbl)
			return 0
		}), Protect: true}, tbl)
		switch {
		case c.want == "" && (err != nil || got != c.o):
			t.Errorf("%s: %v %+v, want %+v", c.code, err, got, c.o)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.code, err, c.want)
		}
	}
}

func TestSyscallClassFunction(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("syscall_class", L.NewFunction(seccompSyscallClass))
	if err := L.DoString(`c = table.concat(syscall_class("connect"), " ")`); err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("c").String(); got != "%network" {
		t.Errorf("connect: %q", got)
	}
	err := L.DoString(`syscall_class("conect")`)
	if err == nil || !strings.Contains(err.Error(), `unknown syscall "conect" (did you mean connect`) {
		t.Errorf("conect: %v", err)
	}
}
