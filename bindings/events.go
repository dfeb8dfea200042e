package bindings

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// Structured events (run --json): one JSON object per line, field names
// fixed here, so log collectors (Vector, Fluent Bit, the OpenTelemetry
// collector's filelog receiver) parse them without a custom grammar.

const eventsType = "seccomp.events"

// Event is one line. Fields without a value are left out; "time" and
// "type" are always there.
type Event struct {
	Time     string     `json:"time"`              // RFC 3339, UTC, nanoseconds
	Type     string     `json:"type"`              // decision, audit, notify, log, exit, …
	Pid      int        `json:"pid,omitempty"`     // thread group of the call
	Tid      int        `json:"tid,omitempty"`     // calling thread
	Syscall  string     `json:"syscall,omitempty"` // name
	Nr       *int       `json:"nr,omitempty"`      // number (native)
	Args     []EventArg `json:"args,omitempty"`    // decoded arguments
	Call     string     `json:"call,omitempty"`    // as strace prints it, without the result
	Decision string     `json:"decision,omitempty"`
	Errno    string     `json:"errno,omitempty"`
	Retval   *int64     `json:"retval,omitempty"`
	Outcome  string     `json:"outcome,omitempty"`
	Policy   string     `json:"policy,omitempty"`
	Profile  string     `json:"profile,omitempty"`
	Rule     string     `json:"rule,omitempty"`
	Layer    string     `json:"layer,omitempty"`
	Message  string     `json:"message,omitempty"`
	Status   string     `json:"status,omitempty"`
	ExitCode *int       `json:"exit_code,omitempty"`
}

// EventArg is one decoded argument.
type EventArg struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
	Text  string `json:"text"`
	Path  string `json:"path,omitempty"`
}

type eventAddr struct {
	Family string `json:"family"`
	Addr   string `json:"addr,omitempty"`
	Port   int    `json:"port,omitempty"`
	Path   string `json:"path,omitempty"`
	Pid    uint32 `json:"pid,omitempty"`
	Groups uint32 `json:"groups,omitempty"`
}

type eventWriter struct {
	w      *bufio.Writer
	closer io.Closer // nil for stdout/stderr
	enc    *json.Encoder
	now    func() time.Time
}

func (e *eventWriter) write(ev *Event) error {
	ev.Time = e.now().UTC().Format(time.RFC3339Nano)
	if err := e.enc.Encode(ev); err != nil {
		return err
	}
	// Each line reaches the file whole and at once: a collector tailing
	// it never reads half an event, and nothing is lost if we are killed.
	return e.w.Flush()
}

func eventArgs(d *decode.Call) []EventArg {
	out := make([]EventArg, 0, len(d.Args))
	for _, a := range d.Args {
		ea := EventArg{Name: a.Name, Type: a.Type, Value: a.Value, Text: a.Text, Path: a.Path}
		if sa, ok := a.Value.(*decode.Sockaddr); ok && sa != nil {
			ea.Value = eventAddr{sa.Family, sa.Addr, sa.Port, sa.Path, sa.Pid, sa.Groups}
		}
		out = append(out, ea)
	}
	return out
}

// Seccomp.events([path]) → writer, or nil, message: JSON Lines to path
// (created or truncated), "-" for stdout, stderr without one.
func seccompEvents(L *lua.LState) int {
	e := &eventWriter{now: time.Now}
	switch path := L.OptString(1, ""); path {
	case "":
		e.w = bufio.NewWriter(os.Stderr)
	case "-":
		e.w = bufio.NewWriter(os.Stdout)
	default:
		f, err := os.Create(path)
		if err != nil {
			return pushFail(L, fmt.Errorf("%s: %w", path, unwrapPath(err)))
		}
		e.w, e.closer = bufio.NewWriter(f), f
	}
	e.enc = json.NewEncoder(e.w)
	e.enc.SetEscapeHTML(false)
	L.Push(newTyped(L, e, eventsType))
	return 1
}

func checkEvents(L *lua.LState, n int) *eventWriter {
	if e, ok := L.CheckUserData(n).Value.(*eventWriter); ok {
		return e
	}
	L.ArgError(n, "event writer expected")
	return nil
}

func registerEvents(L *lua.LState, seccomp *lua.LTable) {
	mt := L.NewTypeMetatable(eventsType)
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"emit":  eventsEmit,
		"close": eventsClose,
	}))
	seccomp.RawSetString("events", L.NewFunction(seccompEvents))
}

// w:emit(fields [, call]) writes one event. fields holds the Event fields
// by their JSON names (type is required; pid, tid, syscall, nr, args and
// call come from the call object when one is given, decoded while it is
// live). An unknown field name is an error, so names stay the documented
// ones.
func eventsEmit(L *lua.LState) int {
	e := checkEvents(L, 1)
	t := L.CheckTable(2)
	ev := &Event{}
	texts := map[string]*string{
		"type": &ev.Type, "decision": &ev.Decision, "errno": &ev.Errno, "outcome": &ev.Outcome,
		"policy": &ev.Policy, "profile": &ev.Profile, "rule": &ev.Rule, "layer": &ev.Layer,
		"message": &ev.Message, "status": &ev.Status, "syscall": &ev.Syscall,
	}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		key := lua.LVAsString(k)
		if p, ok := texts[key]; ok {
			*p = lua.LVAsString(v)
			return
		}
		n, err := toInt(v, "event field "+key)
		switch {
		case key != "pid" && key != "retval" && key != "exit_code":
			bad = fmt.Sprintf("unknown event field %q", key)
		case err != nil:
			bad = err.Error()
		case key == "pid":
			ev.Pid = int(n)
		case key == "retval":
			ev.Retval = &n
		default:
			c := int(n)
			ev.ExitCode = &c
		}
	})
	if bad != "" {
		L.ArgError(2, bad)
	}
	if ev.Type == "" {
		L.ArgError(2, "event field 'type' is required")
	}
	if L.Get(3) != lua.LNil {
		c := checkCall(L, 3, false)
		nr := c.args.Nr
		ev.Pid, ev.Tid, ev.Nr, ev.Syscall = c.args.Pid, c.args.Tid, &nr, syscallLabel(nr)
		var mem decode.Memory
		if c.live() {
			mem = c.rd
		}
		d := decode.Decode(nr, c.args.Args, mem, decode.Options{})
		ev.Args, ev.Call = eventArgs(d), d.CallText()
	}
	if err := e.write(ev); err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

func eventsClose(L *lua.LState) int {
	e := checkEvents(L, 1)
	err := e.w.Flush()
	if e.closer != nil {
		if cerr := e.closer.Close(); err == nil {
			err = cerr
		}
		e.closer = nil
	}
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}
