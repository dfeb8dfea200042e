package decode

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Sockaddr is a decoded struct sockaddr.
type Sockaddr struct {
	Family string // "AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", …
	Addr   string `json:",omitempty"` // the IP address
	Port   int    `json:",omitempty"`
	Path   string `json:",omitempty"` // AF_UNIX; an abstract name starts with "@"
	Pid    uint32 `json:",omitempty"` // AF_NETLINK
	Groups uint32 `json:",omitempty"` // AF_NETLINK
}

// sockaddrStorage is sizeof(struct sockaddr_storage): no family is longer.
const sockaddrStorage = 128

// SockaddrText renders the bytes of a struct sockaddr as strace does. It
// accepts any input, short or malformed, without panicking.
func SockaddrText(b []byte) (string, *Sockaddr) {
	if len(b) < 2 {
		return "{}", nil
	}
	fam := uint64(binary.NativeEndian.Uint16(b))
	sa := &Sockaddr{Family: setAddressFamilies.enumText(fam)}
	head := "{sa_family=" + sa.Family
	switch fam {
	case unix.AF_UNIX:
		p := b[2:]
		if len(p) == 0 {
			return head + "}", sa
		}
		if p[0] == 0 && len(p) > 1 {
			sa.Path = "@" + string(p[1:])
			return head + ", sun_path=@" + quote(p[1:], quoteStyle{}) + "}", sa
		}
		for i, c := range p {
			if c == 0 {
				p = p[:i]
				break
			}
		}
		sa.Path = string(p)
		return head + ", sun_path=" + quote(p, quoteStyle{}) + "}", sa
	case unix.AF_INET:
		if len(b) < 8 {
			break
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		sa.Addr = netip.AddrFrom4([4]byte(b[4:8])).String()
		return fmt.Sprintf("%s, sin_port=htons(%d), sin_addr=inet_addr(%q)}", head, sa.Port, sa.Addr), sa
	case unix.AF_INET6:
		if len(b) < 24 {
			break
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		sa.Addr = ip.String()
		text := fmt.Sprintf("%s, sin6_port=htons(%d), sin6_flowinfo=htonl(%d), inet_pton(AF_INET6, %q, &sin6_addr)",
			head, sa.Port, binary.BigEndian.Uint32(b[4:]), sa.Addr)
		if len(b) >= 28 {
			text += ", sin6_scope_id=" + scopeText(ip, binary.NativeEndian.Uint32(b[24:]))
		}
		return text + "}", sa
	case unix.AF_NETLINK:
		if len(b) < 12 {
			break
		}
		sa.Pid = binary.NativeEndian.Uint32(b[4:])
		sa.Groups = binary.NativeEndian.Uint32(b[8:])
		return fmt.Sprintf("%s, nl_pid=%d, nl_groups=%s}", head, sa.Pid, groupsText(sa.Groups)), sa
	}
	return head + ", sa_data=" + quote(b[2:], quoteStyle{}) + "}", sa
}

// scopeText names a link-local scope by its interface, as strace does.
func scopeText(ip netip.Addr, id uint32) string {
	if id != 0 && (ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast()) {
		if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
			return "if_nametoindex(" + strconv.Quote(ifi.Name) + ")"
		}
	}
	return strconv.FormatUint(uint64(id), 10)
}

// groupsText is C's %#08x, which prints zero without the 0x.
func groupsText(g uint32) string {
	if g == 0 {
		return "00000000"
	}
	return fmt.Sprintf("0x%06x", g) // the 0x counts in C's width
}

// sockaddrAt reads and renders n bytes of sockaddr at addr.
func sockaddrAt(s *state, addr uint64, n int64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	if n < 2 {
		return ptrText(addr), nil
	}
	b := make([]byte, min(n, sockaddrStorage))
	if !readFull(s.mem, addr, b) {
		return ptrText(addr), nil
	}
	text, sa := SockaddrText(b)
	if sa == nil {
		return text, nil
	}
	return text, sa
}

func decSockaddr(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = sockaddrAt(s, a.Raw, int64(int32(s.c.Raw[p.ref])))
}

// exitSockaddrOut decodes what accept/getsockname/recvfrom wrote: no more
// than the buffer held (the length at entry) nor than the kernel reports.
func exitSockaddrOut(s *state, i int, p param) {
	outStruct(s, i, func(addr uint64) (string, any, bool) {
		out, ok := readInt32(s, s.c.Raw[p.ref])
		if !ok {
			return "", nil, false
		}
		n := int64(out)
		if s.c.inOK[p.ref] {
			n = min(n, s.c.in[p.ref])
		}
		text, v := sockaddrAt(s, addr, n)
		return text, v, true
	})
}

func readInt32(s *state, addr uint64) (int32, bool) {
	var b [4]byte
	if !readFull(s.mem, addr, b[:]) {
		return 0, false
	}
	return int32(binary.NativeEndian.Uint32(b[:])), true
}

// decSocklenInout reads the buffer size the caller offers.
func decSocklenInout(s *state, i int, _ param) {
	a := s.arg(i)
	if a.Raw == 0 {
		a.Text = "NULL"
		return
	}
	v, ok := readInt32(s, a.Raw)
	if !ok {
		a.Text = ptrText(a.Raw)
		return
	}
	s.c.in[i], s.c.inOK[i] = int64(v), true
	a.Text, a.Value = "["+strconv.Itoa(int(v))+"]", int64(v)
}

// exitSocklenInout shows [in => out] when the kernel changed the length.
func exitSocklenInout(s *state, i int, _ param) {
	if s.failed() || !s.c.inOK[i] {
		return
	}
	a := s.arg(i)
	v, ok := readInt32(s, a.Raw)
	if !ok {
		return
	}
	a.Value = int64(v)
	if int64(v) != s.c.in[i] {
		a.Text = "[" + strconv.FormatInt(s.c.in[i], 10) + " => " + strconv.Itoa(int(v)) + "]"
		return
	}
	a.Text = "[" + strconv.Itoa(int(v)) + "]"
}

func decSockType(s *state, i int, _ param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	const typeMask = 0xf
	name, ok := setSocketTypes.lookup(v & typeMask)
	if !ok {
		a.Text = setSocketFlags.flagsText(v)
		return
	}
	a.Text = name
	if rest := v &^ typeMask; rest != 0 {
		a.Text += "|" + setSocketFlags.flagsText(rest)
	}
}

func decSockProto(s *state, i int, p param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	switch uint32(s.c.Raw[p.ref]) {
	case unix.AF_INET, unix.AF_INET6:
		a.Text = setInetProtocols.enumText(v)
	case unix.AF_NETLINK:
		a.Text = setNetlinkProtocols.enumText(v)
	default:
		a.Text = strconv.FormatUint(v, 10)
	}
}

func decSockoptName(s *state, i int, p param) {
	a := s.arg(i)
	v := uint64(uint32(a.Raw))
	a.Value = v
	var t *set
	switch uint32(s.c.Raw[p.ref]) {
	case unix.SOL_SOCKET:
		t = setSockoptsSocket
	case unix.SOL_TCP:
		t = setSockoptsTcp
	case unix.SOL_IP:
		t = setSockoptsIp
	case unix.SOL_IPV6:
		t = setSockoptsIpv6
	}
	if t == nil {
		a.Text = strconv.FormatUint(v, 10)
		return
	}
	a.Text = t.enumText(v)
}

// sockoptIntLike are the SOL_SOCKET options strace 6.1 prints as an int.
var sockoptIntLike = map[string]bool{
	"SO_DEBUG": true, "SO_REUSEADDR": true, "SO_DONTROUTE": true, "SO_BROADCAST": true,
	"SO_SNDBUF": true, "SO_RCVBUF": true, "SO_KEEPALIVE": true, "SO_OOBINLINE": true,
	"SO_NO_CHECK": true, "SO_PRIORITY": true, "SO_BSDCOMPAT": true, "SO_REUSEPORT": true,
	"SO_PASSCRED": true, "SO_RCVLOWAT": true, "SO_SNDLOWAT": true, "SO_DETACH_FILTER": true,
	"SO_TIMESTAMP_OLD": true, "SO_ACCEPTCONN": true, "SO_SNDBUFFORCE": true, "SO_RCVBUFFORCE": true,
	"SO_PASSSEC": true, "SO_TIMESTAMPNS_OLD": true, "SO_MARK": true, "SO_TIMESTAMPING_OLD": true,
	"SO_RXQ_OVFL": true, "SO_WIFI_STATUS": true, "SO_PEEK_OFF": true, "SO_NOFCS": true,
	"SO_LOCK_FILTER": true, "SO_SELECT_ERR_QUEUE": true, "SO_BUSY_POLL": true, "SO_INCOMING_CPU": true,
	"SO_CNX_ADVICE": true, "SO_INCOMING_NAPI_ID": true, "SO_ZEROCOPY": true, "SO_TIMESTAMP_NEW": true,
	"SO_TIMESTAMPNS_NEW": true, "SO_TIMESTAMPING_NEW": true, "SO_DETACH_REUSEPORT_BPF": true,
	"SO_PREFER_BUSY_POLL": true, "SO_BUSY_POLL_BUDGET": true, "SO_RESERVE_MEM": true, "SO_RCVMARK": true,
}

// sockoptKind names how strace prints an option's value: "linger",
// "ucred", "error", "int" (SOL_SOCKET's int-like ones), "netlink" (an int
// whatever the length), or "" for the default.
func sockoptKind(level, name uint32) string {
	switch level {
	case unix.SOL_SOCKET:
		switch name {
		case unix.SO_LINGER:
			return "linger"
		case unix.SO_PEERCRED:
			return "ucred"
		case unix.SO_ERROR:
			return "error"
		}
		if n, ok := setSockoptsSocket.lookup(uint64(name)); ok && sockoptIntLike[n] {
			return "int"
		}
	case unix.SOL_NETLINK:
		return "netlink"
	}
	return ""
}

// intptrText is printnum_int: [N], or the address when unreadable.
func intptrText(s *state, addr uint64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	if v, ok := readInt32(s, addr); ok {
		return "[" + strconv.Itoa(int(v)) + "]", int64(v)
	}
	return ptrText(addr), nil
}

// int32Fields prints a struct of ints the kernel filled up to n bytes
// (strace's MAYBE_PRINT_FIELD_LEN): whole fields as numbers, a cut one as
// hex bytes, missing ones not at all.
func int32Fields(b []byte, names []string, text func(j int, v uint32) string) string {
	var parts []string
	for j, name := range names {
		start := 4 * j
		if len(b) <= start {
			break
		}
		if len(b) >= start+4 {
			parts = append(parts, name+"="+text(j, binary.NativeEndian.Uint32(b[start:])))
		} else {
			parts = append(parts, name+"="+quote(b[start:], quoteStyle{hex: true}))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func signedField(_ int, v uint32) string { return strconv.Itoa(int(int32(v))) }

// structFieldsAt reads the first min(n, 4*len(names)) bytes of a struct of
// ints that getsockopt filled, for int32Fields.
func structFieldsAt(s *state, addr uint64, n int32, names []string, text func(int, uint32) string) (string, any) {
	b := make([]byte, min(int(n), 4*len(names)))
	if !readFull(s.mem, addr, b) {
		return ptrText(addr), nil
	}
	return int32Fields(b, names, text), nil
}

// getsockoptText is strace's print_getsockopt: ulen is what the caller
// offered, rlen what the kernel stored.
func getsockoptText(s *state, level, name uint32, addr uint64, ulen, rlen int32) (string, any) {
	if ulen <= 0 || rlen <= 0 {
		return ptrText(addr), nil
	}
	if addr != 0 {
		switch sockoptKind(level, name) {
		case "linger":
			return structFieldsAt(s, addr, rlen, []string{"l_onoff", "l_linger"}, signedField)
		case "ucred":
			return structFieldsAt(s, addr, rlen, []string{"pid", "uid", "gid"}, func(j int, v uint32) string {
				if j == 0 {
					return signedField(j, v)
				}
				return uidText(v)
			})
		case "error":
			if rlen < 4 {
				return bufText(s, addr, uint64(rlen), quoteStyle{hex: true})
			}
			v, ok := readInt32(s, addr)
			if !ok {
				return ptrText(addr), nil
			}
			text := strconv.FormatUint(uint64(uint32(v)), 10)
			if n := ErrnoName(int(v)); n != "" && v > 0 {
				text = n
			}
			return "[" + text + "]", int64(v)
		case "int":
			if rlen >= 4 {
				return intptrText(s, addr)
			}
			return bufText(s, addr, uint64(rlen), quoteStyle{hex: true})
		case "netlink":
			return intptrText(s, addr)
		}
	}
	if rlen == 4 {
		return intptrText(s, addr)
	}
	return bufText(s, addr, uint64(rlen), quoteStyle{})
}

// setsockoptText is strace's print_setsockopt.
func setsockoptText(s *state, level, name uint32, addr uint64, n int32) (string, any) {
	if addr != 0 {
		switch sockoptKind(level, name) {
		case "linger":
			if n < 8 {
				return ptrText(addr), nil
			}
			return structFieldsAt(s, addr, 8, []string{"l_onoff", "l_linger"}, signedField)
		case "int", "netlink":
			if n < 4 {
				return ptrText(addr), nil
			}
			return intptrText(s, addr)
		}
	}
	if n == 4 {
		return intptrText(s, addr)
	}
	// printstrn takes the length as an unsigned long: a negative int is huge.
	return bufText(s, addr, uint64(int64(n)), quoteStyle{})
}

func decSockoptVal(s *state, i int, p param) {
	a := s.arg(i)
	level, name := uint32(s.c.Raw[1]), uint32(s.c.Raw[2])
	a.Text, a.Value = setsockoptText(s, level, name, a.Raw, int32(s.c.Raw[p.ref]))
}

// exitSockoptOut: getsockopt's value once it succeeded and the length it
// stored can be read; the address otherwise.
func exitSockoptOut(s *state, i int, p param) {
	if s.failed() || !s.c.inOK[p.ref] {
		return
	}
	rlen, ok := readInt32(s, s.c.Raw[p.ref])
	if !ok {
		return
	}
	a := s.arg(i)
	level, name := uint32(s.c.Raw[1]), uint32(s.c.Raw[2])
	a.Text, a.Value = getsockoptText(s, level, name, a.Raw, int32(s.c.in[p.ref]), rlen)
}

// struct msghdr on 64-bit Linux.
const msghdrSize = 56

// msghdrText prints struct msghdr; total >= 0 limits the data shown (a
// recvmsg after its return).
func msghdrText(s *state, addr uint64, total int64, withFlags bool) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	w, ok := readWords(s, addr, msghdrSize/8)
	if !ok {
		return ptrText(addr), nil
	}
	name, namelen := w[0], int64(int32(w[1]))
	iov, iovlen := w[2], w[3]
	control, controllen := w[4], w[5]
	flags := uint64(uint32(w[6]))
	nameText := "NULL"
	if name != 0 {
		nameText, _ = sockaddrAt(s, name, namelen)
	}
	iovText, vals := iovecText(s, iov, iovlen, total)
	text := fmt.Sprintf("{msg_name=%s, msg_namelen=%d, msg_iov=%s, msg_iovlen=%d", nameText, namelen, iovText, iovlen)
	if controllen != 0 {
		text += ", msg_control=" + ptrText(control)
	}
	text += ", msg_controllen=" + strconv.FormatUint(controllen, 10)
	if withFlags {
		text += ", msg_flags=" + setMsgFlags.flagsText(flags)
	} else {
		text += ", msg_flags=" + strconv.FormatUint(flags, 10)
	}
	return text + "}", vals
}

func decMsghdrIn(s *state, i int, _ param) {
	a := s.arg(i)
	a.Text, a.Value = msghdrText(s, a.Raw, -1, false)
}

func exitMsghdrOut(s *state, i int, _ param) {
	if n, ok := retLen(s); ok {
		a := s.arg(i)
		a.Text, a.Value = msghdrText(s, a.Raw, int64(n), true)
	}
}
