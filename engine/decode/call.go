package decode

import (
	"fmt"
	"strconv"
)

// Call is one decoded syscall: its arguments after Decode, its return after
// Exit.
type Call struct {
	Nr   int
	Name string
	Raw  [6]uint64 // the argument registers
	Args []Arg     // one per argument the signature declares

	// NoReturn marks calls that never return (exit, exit_group): their
	// line is complete at entry, with " = ?".
	NoReturn bool
	// Done is set by Exit.
	Done bool
	// Ret is the raw return value: a negated errno on failure.
	Ret int64
	// Errno is the error number when the call failed, else 0.
	Errno int

	sig      *signature
	retKind  kind
	retNote  string     // strace's annotation after the value: " (flags …)"
	retStr   string     // the return as printed, set by Exit
	argsText string     // replaces the argument list when set (clone's name=value style)
	in       [6]int64   // values read at entry for in/out arguments (socklen)
	inOK     [6]bool    // in[i] holds a value
	exitFns  []exitFunc // fixups that run at exit after the arguments
}

// Arg is one decoded argument.
type Arg struct {
	Name string // from the man page: "fd", "pathname", …
	Type string // the spec type or set: "fd", "path", "open_flags", "prot", …
	Raw  uint64 // the register
	// Text is what strace prints for it. Out arguments show their address
	// until Exit fills them in.
	Text string
	// Value is the decoded value: int64 for signed numbers and
	// descriptors, uint64 for unsigned numbers, flags and addresses, string
	// for strings and buffers (cut at the -s limit), []string for argv,
	// []int64 for descriptor pairs, *Sockaddr for addresses, and nil when
	// the memory behind it could not be read.
	Value any
	// Path is the file behind a descriptor argument with -y ("" otherwise).
	Path string
	// Hidden arguments are not printed: strace leaves them out for this
	// call (the mode of an open without O_CREAT, unused futex arguments).
	Hidden bool

	pending bool // an out argument waiting for Exit
}

type exitFunc func(s *state)

// state is what a decoder sees: the call, the tracee's memory at this
// stop and the options.
type state struct {
	c   *Call
	mem Memory
	o   Options
}

func (s *state) arg(i int) *Arg { return &s.c.Args[i] }

// failed reports whether the call is complete and failed.
func (s *state) failed() bool { return s.c.Done && (s.c.Errno != 0 || s.c.Ret < 0) }

// Decode decodes a call at its entry: every argument the kernel reads is
// read now, while the memory still holds what the call sees; out arguments
// wait for Exit. mem may be nil (nothing is read: addresses are printed).
// It never panics on any input.
func Decode(nr int, args [6]uint64, mem Memory, o Options) *Call {
	if mem == nil {
		mem = nullMemory{}
	}
	c := &Call{Nr: nr, Raw: args}
	st := &state{c: c, mem: mem, o: o}
	sig := lookupNr(nr)
	if sig == nil || sig.unknown {
		// strace prints unknown numbers as syscall_0x…, with six arguments.
		c.Name = fmt.Sprintf("syscall_%#x", nr)
		if sig != nil {
			c.Name = sig.name
		}
		c.retKind = kindHex
		for i := 0; i < 6; i++ {
			c.Args = append(c.Args, Arg{Name: "arg" + strconv.Itoa(i+1), Type: "hex", Raw: args[i], Text: hexText(args[i]), Value: args[i]})
		}
		c.sig = sig
		return c
	}
	c.sig, c.Name, c.retKind = sig, sig.name, sig.ret
	c.NoReturn = sig.ret == kindNone
	c.Args = make([]Arg, len(sig.params))
	for i, p := range sig.params {
		c.Args[i] = Arg{Name: p.name, Type: p.typeName(), Raw: args[i]}
	}
	for i, p := range sig.params {
		decodeEntry(st, i, p)
	}
	if f := fixups[sig.name]; f != nil {
		f(st)
	}
	return c
}

// Exit completes the call with its return value: out arguments are read
// from mem (the tracee at the call's exit) and the return value is
// decoded. Calling it again does nothing.
func (c *Call) Exit(ret int64, mem Memory, o Options) {
	if c == nil || c.Done {
		return
	}
	if mem == nil {
		mem = nullMemory{}
	}
	c.Done, c.Ret = true, ret
	if ret < 0 && ret >= -maxErrno && c.retKind != kindNone {
		c.Errno = int(-ret)
	}
	st := &state{c: c, mem: mem, o: o}
	if c.sig != nil && !c.sig.unknown {
		for i, p := range c.sig.params {
			if c.Args[i].pending {
				decodeExit(st, i, p)
				c.Args[i].pending = false
			}
		}
	}
	for _, f := range c.exitFns {
		f(st)
	}
	c.retStr = retText(st)
}

// maxErrno is the largest errno the kernel returns negated (MAX_ERRNO).
const maxErrno = 4095

// Failed reports whether the call returned an error.
func (c *Call) Failed() bool { return c.Done && c.Errno != 0 }

// Copy returns an independent copy of the call, so one entry decoding can
// be completed more than once (with other options, or by another reader).
func (c *Call) Copy() *Call {
	if c == nil {
		return nil
	}
	d := *c
	d.Args = append([]Arg(nil), c.Args...)
	d.exitFns = append([]exitFunc(nil), c.exitFns...)
	return &d
}
