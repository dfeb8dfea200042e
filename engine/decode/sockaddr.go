package decode

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"

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
func SockaddrText(b []byte) (string, *Sockaddr) { return sockaddrText(b, quoteStyle{}) }

// sockaddrText is SockaddrText with the paths and sa_data quoted in st.
func sockaddrText(b []byte, st quoteStyle) (string, *Sockaddr) {
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
			return head + ", sun_path=@" + quote(p[1:], st) + "}", sa
		}
		for i, c := range p {
			if c == 0 {
				p = p[:i]
				break
			}
		}
		sa.Path = string(p)
		return head + ", sun_path=" + quote(p, st) + "}", sa
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
	return head + ", sa_data=" + quote(b[2:], st) + "}", sa
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
	text, sa := sockaddrText(b, s.qs())
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

// optvalText shows an int option as [N] and anything else as bytes.
func optvalText(s *state, addr uint64, n int64) (string, any) {
	if addr == 0 {
		return "NULL", nil
	}
	if n == 4 {
		if v, ok := readInt32(s, addr); ok {
			return "[" + strconv.Itoa(int(v)) + "]", int64(v)
		}
		return ptrText(addr), nil
	}
	if n < 0 {
		return ptrText(addr), nil
	}
	return bufText(s, addr, uint64(n), s.qs())
}

func decSockoptVal(s *state, i int, p param) {
	a := s.arg(i)
	a.Text, a.Value = optvalText(s, a.Raw, int64(int32(s.c.Raw[p.ref])))
}

func exitSockoptOut(s *state, i int, p param) {
	if s.failed() {
		return
	}
	n, ok := readInt32(s, s.c.Raw[p.ref])
	if !ok {
		return
	}
	a := s.arg(i)
	a.Text, a.Value = optvalText(s, a.Raw, int64(n))
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
