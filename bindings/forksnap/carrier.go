package forksnap

import lua "github.com/yuin/gopher-lua"

// Carrier is implemented by the Value of host userdata that can be rebuilt
// in the child from bytes (a seccomp filter under construction, say). The
// userdata's metatable does not travel: the Decoder attaches its own, since
// only the child knows its type's metatable.
type Carrier interface {
	CarryType() string
	CarryEncode() ([]byte, error)
}

// Decoder rebuilds a Carrier's value in the child. data comes from a pipe:
// a Decoder must reject malformed input with an error.
type Decoder func(L *lua.LState, data []byte) (lua.LValue, error)

// Options ties a snapshot to the interpreter-wide records both sides need.
type Options struct {
	Chunks   *Chunks            // required: functions travel as (chunk, proto path)
	Builtins *Builtins          // values named instead of copied; nil means none
	Decoders map[string]Decoder // by Carrier.CarryType, used by Decode
}
