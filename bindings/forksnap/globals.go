package forksnap

import lua "github.com/yuin/gopher-lua"

// Instruction layout from gopher-lua's opcode.go (unexported there):
// opcode in the top 6 bits, Bx in the low 18.
func opCode(inst uint32) int { return int(inst >> 26) }
func argBx(inst uint32) int  { return int(inst & 0x3ffff) }

// globalNames reports every name read or written as a global by p and the
// functions nested in it. Lua 5.1 has no _ENV, so OP_GETGLOBAL/OP_SETGLOBAL
// are the only by-name accesses; dynamic ones (_G[k], getfenv) are not
// visible here and are not carried.
func globalNames(p *lua.FunctionProto, seen map[*lua.FunctionProto]bool, emit func(string)) {
	stack := []*lua.FunctionProto{p}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		for _, inst := range p.Code {
			if op := opCode(inst); op != lua.OP_GETGLOBAL && op != lua.OP_SETGLOBAL {
				continue
			}
			if bx := argBx(inst); bx < len(p.Constants) {
				if s, ok := p.Constants[bx].(lua.LString); ok {
					emit(string(s))
				}
			}
		}
		stack = append(stack, p.FunctionPrototypes...)
	}
}
