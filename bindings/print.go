package bindings

import (
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaPrint replaces print: gopher-lua's makes one write per argument and
// one for the newline, so a tracee writing to the same terminal or pipe
// lands inside the script's lines. This one writes each line at once.
func luaPrint(L *lua.LState) int {
	var b strings.Builder
	top := L.GetTop()
	for i := 1; i <= top; i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	b.WriteByte('\n')
	os.Stdout.WriteString(b.String())
	return 0
}
