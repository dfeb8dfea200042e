package bindings

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
)

// {"fd", n [, cloexec = true]} is the ADDFD decision; anything but a
// descriptor number is refused with a message naming what came.
func TestFdDecision(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
ok = {"fd", 5}
cloexec = {"fd", 7, cloexec = true}
bad = {{"fd"}, {"fd", -1}, {"fd", 1.5}, {"fd", "3"}, {"fd", 2^40}}
`); err != nil {
		t.Fatal(err)
	}
	d, err := toDecision(L.GetGlobal("ok"))
	if err != nil || d.Verdict != engine.ReplyFd || d.Value != 5 || d.Cloexec {
		t.Errorf(`{"fd", 5}: %+v, %v`, d, err)
	}
	d, err = toDecision(L.GetGlobal("cloexec"))
	if err != nil || d.Verdict != engine.ReplyFd || d.Value != 7 || !d.Cloexec {
		t.Errorf(`{"fd", 7, cloexec = true}: %+v, %v`, d, err)
	}
	bad := L.GetGlobal("bad").(*lua.LTable)
	for i := 1; i <= bad.Len(); i++ {
		d, err := toDecision(bad.RawGetInt(i))
		if err == nil || !strings.Contains(err.Error(), `{"fd", …}: a descriptor number expected`) {
			t.Errorf("bad decision %d: %+v, %v", i, d, err)
		}
	}
}
