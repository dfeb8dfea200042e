package bindings

import (
	"errors"
	"syscall"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
	"github.com/sctrace-lua/sctrace-lua/engine/notify"
)

// Seccomp.open_beneath(dir, path, flags [, mode]) → fd, or nil, message,
// errno name. It opens path (relative) beneath the directory dir in the
// supervisor, with openat2(2) and RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS and
// RESOLVE_NO_MAGICLINKS: the supervisor's half of an emulated open. Answer
// the notified call with {"fd", fd}, which hands fd over (the supervisor's
// copy is closed once the call has it); Seccomp.close closes one unused.
func seccompOpenBeneath(L *lua.LState) int {
	dir := L.CheckString(1)
	path := L.CheckString(2)
	flags := L.CheckInt(3)
	// the mode register of an open without O_CREAT holds anything: the
	// kernel ignores it then, and so does OpenBeneath
	mode := uint32(L.OptInt64(4, 0)) & 0o7777
	fd, err := notify.OpenBeneath(dir, path, flags, mode)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		var e syscall.Errno
		if errors.As(err, &e) {
			L.Push(lua.LString(filter.ErrnoName(int(e))))
			return 3
		}
		return 2
	}
	L.Push(lua.LNumber(fd))
	return 1
}

// Seccomp.close(fd) closes a descriptor Seccomp.open_beneath returned.
func seccompClose(L *lua.LState) int {
	fd := L.CheckInt(1)
	if fd < 3 {
		L.ArgError(1, "not a descriptor Seccomp.open_beneath returned")
	}
	if err := syscall.Close(fd); err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}
