package bindings

import (
	"errors"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
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

// Seccomp.sendfd(path, fd) → true, or nil, message: pass descriptor fd
// (an on_listener listener) to the process that waits in
// Seccomp.recvfd(path).
func seccompSendfd(L *lua.LState) int {
	path := L.CheckString(1)
	fd := L.CheckInt(2)
	if err := notify.SendFd(path, fd); err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// Seccomp.recvfd(path) → fd, or nil, message: listen on a new unix socket
// at path (mode 0600), take one connection and the descriptor it passes.
func seccompRecvfd(L *lua.LState) int {
	fd, err := notify.RecvFd(L.CheckString(1))
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LNumber(fd))
	return 1
}

// Seccomp.serve(fd, fn [, {timeout = s}]) → true: serve a notification
// listener another process passed (Seccomp.recvfd) with the start_trace
// callback API, until no task of its filter is left. fd is taken over.
// A failing callback kills the caller's tree and raises; the listener is
// closed, so later calls of its filter fail with ENOSYS.
func (r *Runtime) seccompServe(L *lua.LState) int {
	fd := L.CheckInt(1)
	fn := L.CheckFunction(2)
	if fd < 0 {
		L.ArgError(1, "listener descriptor expected")
	}
	var timeout time.Duration
	switch opts := L.Get(3).(type) {
	case *lua.LNilType:
		timeout = r.callbackTimeout
	case *lua.LTable:
		timeout = r.optTimeout(L, opts, 3)
	default:
		L.ArgError(3, "options table expected, got "+L.Get(3).Type().String())
	}
	g := r.newGuardTimeout(timeout)
	defer g.close()
	prev := r.guard
	r.guard = g
	defer func() { r.guard = prev }()
	tr := &tracing{r: r, fn: fn, wantCall: wantsCall(fn, 4), wantPid: wantsCall(fn, 2)}
	err := r.sess.ServeListener(fd, engine.Hooks{Notify: tr.onNotify, Interrupt: g.interrupt})
	if err != nil {
		var he *engine.HandlerError
		if errors.As(err, &he) {
			L.RaiseError("serve: %s (the caller was killed)", he.Err.Error())
		}
		L.RaiseError("serve: %s", err.Error())
	}
	L.Push(lua.LTrue)
	return 1
}
