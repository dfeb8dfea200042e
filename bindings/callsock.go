package bindings

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// Socket-call readers and the "emulate" decision.
//
// At a connect, bind, sendto, sendmsg or sendmmsg stop, the addresses the
// call carries are read from tracee memory once, the first time a reader
// asks (call:sockaddr on the address argument, call:addresses), and every
// reader of that stop returns the same bytes. The decision "emulate" makes
// the tracer perform the call with exactly those bytes on its own copy of
// the tracee's socket, and skip the tracee's call with the kernel's answer:
// what the callback checked is what the kernel does. Any other decision
// taken on memory ("allow" after reading an address) is advisory: another
// thread can change the memory before the kernel reads it.

func init() {
	callMethods["socket"] = callSocket
	callMethods["addresses"] = callAddresses
	callMethods["files_shared"] = callFilesShared
}

// decisionEmulate is the callback's answer that emulates the call.
const decisionEmulate = "emulate"

// emulate performs the stop's call in the tracer (engine.Stop.Emulate).
func emulate(st *engine.Stop) (engine.Decision, error) {
	d, err := st.Emulate()
	if err != nil {
		if errors.Is(err, engine.ErrNotSockCall) {
			return d, fmt.Errorf("callback for %s returned \"emulate\": %s %w", syscallLabel(st.Nr), syscallLabel(st.Nr), engine.ErrNotSockCall)
		}
		return d, err
	}
	return d, nil
}

var familyNames = map[int]string{1: "unix", 2: "inet", 10: "inet6", 16: "netlink", 17: "packet", 0: "unspec"}
var typeNames = map[int]string{1: "stream", 2: "dgram", 3: "raw", 4: "rdm", 5: "seqpacket", 6: "dccp", 10: "packet"}

func familyName(f int) string {
	if n, ok := familyNames[f]; ok {
		return n
	}
	return "af_" + strconv.Itoa(f)
}

// fdArg reads argument i as a file descriptor (an int, as the kernel does).
func fdArg(c *callRef, i int) int { return int(int32(c.args.Args[i])) }

// call:socket([i]) describes the socket in argument i (default 1) from the
// tracer's own copy of the fd: {family=, type=, protocol=, nonblock=,
// local_addr=, local_port=} (local_*: where an IP socket is bound, nil
// while it is not).
// nil, reason when the fd is not open, not a socket, or not reachable.
func callSocket(L *lua.LState) int {
	c := checkCall(L, 1, true)
	i := 0
	if L.GetTop() >= 2 {
		i = checkArgIndex(L, 2)
	}
	si, err := traceStop(L, c, "socket").Socket(fdArg(c, i))
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(socketTable(L, si))
	return 1
}

// call:files_shared() → whether another traced task shares the caller's
// fd table (engine.Stop.FilesShared): when not, what fd N is cannot change
// before the call runs.
func callFilesShared(L *lua.LState) int {
	c := checkCall(L, 1, true)
	shared, err := traceStop(L, c, "files_shared").FilesShared()
	if err != nil {
		return pushFail(L, err)
	}
	L.Push(lua.LBool(shared))
	return 1
}

// call:addresses() lists every address a socket call carries (one for
// connect, bind, sendto and sendmsg; one per message for sendmmsg), each
// read the way the kernel will read it for the socket's actual family:
//
//	{use = "ip", family = "inet"|"inet6", addr =, port =, given =, msg =, text =}
//	{use = "none"}    no address: the connected peer, or a disconnect
//	{use = "invalid"} the kernel refuses it (EINVAL, EFAULT)
//	{use = "other", family = "unix"|…}  a socket of another family
//
// given is the sa_family as written (an AF_UNSPEC address on an AF_INET
// UDP socket is use="ip", family="inet", given="unspec"). The second
// result is the socket table of call:socket() without protocol and local_*. nil, reason when the fd is
// not a socket the tracer can reach.
func callAddresses(L *lua.LState) int {
	c := checkCall(L, 1, true)
	sc, err := traceStop(L, c, "addresses").SockCall()
	if err != nil {
		L.RaiseError("addresses: %s is %s", syscallLabel(c.args.Nr), err.Error())
	}
	si, err := c.st.SocketKind(sc.Fd)
	if err != nil {
		return pushFail(L, err)
	}
	list := L.CreateTable(len(sc.Msgs), 0)
	for k := range sc.Msgs {
		m := &sc.Msgs[k]
		d := m.Dest(sc.Op, si.Domain)
		t := L.CreateTable(0, 7)
		t.RawSetString("msg", lua.LNumber(k+1))
		if d.Given >= 0 {
			t.RawSetString("given", lua.LString(familyName(d.Given)))
		}
		switch d.Use {
		case engine.AddrNone:
			t.RawSetString("use", lua.LString("none"))
			t.RawSetString("text", lua.LString("none"))
		case engine.AddrInvalid:
			t.RawSetString("use", lua.LString("invalid"))
			t.RawSetString("text", lua.LString("invalid"))
		case engine.AddrIP:
			fam, text := "inet", fmt.Sprintf("%s:%d", d.IP, d.Port)
			if d.IP.Is6() {
				fam, text = "inet6", fmt.Sprintf("[%s]:%d", d.IP, d.Port)
			}
			t.RawSetString("use", lua.LString("ip"))
			t.RawSetString("family", lua.LString(fam))
			t.RawSetString("addr", lua.LString(d.IP.String()))
			t.RawSetString("port", lua.LNumber(d.Port))
			t.RawSetString("text", lua.LString(text))
		default:
			t.RawSetString("use", lua.LString("other"))
			fam := familyName(si.Domain)
			t.RawSetString("family", lua.LString(fam))
			text := fam
			if _, sa := decode.SockaddrText(m.Name); sa != nil {
				text = sockaddrText(luaFamily(sa, m.Name), sa)
			}
			t.RawSetString("text", lua.LString(text))
		}
		list.RawSetInt(k+1, t)
	}
	L.Push(list)
	L.Push(socketTable(L, si))
	return 2
}

func socketTable(L *lua.LState, si engine.SocketInfo) *lua.LTable {
	t := L.CreateTable(0, 4)
	t.RawSetString("family", lua.LString(familyName(si.Domain)))
	typ, ok := typeNames[si.Type]
	if !ok {
		typ = "type_" + strconv.Itoa(si.Type)
	}
	t.RawSetString("type", lua.LString(typ))
	t.RawSetString("protocol", lua.LNumber(si.Protocol))
	t.RawSetString("nonblock", lua.LBool(si.NonBlock))
	if si.Local.IsValid() {
		t.RawSetString("local_addr", lua.LString(si.Local.Addr().String()))
		t.RawSetString("local_port", lua.LNumber(si.Local.Port()))
	}
	return t
}

// sockaddrBytes reads n bytes of sockaddr at argument i for call:sockaddr.
// At a socket call, the call's own address argument is served from the
// stop's snapshot, so call:sockaddr and "emulate" agree on the bytes.
func sockaddrBytes(c *callRef, i, li int, n uint64) ([]byte, error) {
	if op := engine.SockOpOf(c.args.Nr); op != 0 {
		ai, al := 1, 2
		if op == engine.SockSendto {
			ai, al = 4, 5
		}
		if i == ai && li == al && c.st != nil {
			sc, err := c.st.SockCall()
			if err != nil {
				return nil, err
			}
			m := sc.Msgs[0]
			if m.Err != nil {
				return nil, fmt.Errorf("sockaddr: %w", m.Err)
			}
			return m.Name, nil
		}
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	buf := make([]byte, n)
	got, err := c.rd.ReadMemory(c.args.Args[i], buf)
	if err != nil {
		return nil, err
	}
	return buf[:got], nil
}
