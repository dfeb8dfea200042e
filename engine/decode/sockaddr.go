package decode

import (
	"encoding/binary"
	"fmt"
	"math"
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
func SockaddrText(b []byte) (string, *Sockaddr) { return sockaddrText(b, quoteStyle{}) }

// sockaddrText is SockaddrText with the paths and sa_data quoted in st.
func sockaddrText(b []byte, st quoteStyle) (string, *Sockaddr) {
	if len(b) < 2 {
		return "{}", nil
	}
	b = b[:min(len(b), sockaddrStorage)]
	fam := uint64(binary.NativeEndian.Uint16(b))
	sa := &Sockaddr{Family: setAddressFamilies.enumText(fam)}
	head := "{sa_family=" + sa.Family
	if len(b) == 2 {
		return head + "}", sa
	}
	// strace reads the address into a zeroed sockaddr_storage (and one
	// byte more): fields past the length read as zeros.
	buf := make([]byte, sockaddrStorage+1)
	copy(buf, b)
	if body, ok := familyText(fam, buf, len(b), sa, st); ok {
		return head + ", " + body + "}", sa
	}
	return head + ", sa_data=" + quote(b[2:], st) + "}", sa
}

// familyText is the family's part of strace's print_sockaddr; ok is false
// when the family has no printer or n is below its minimum length (then
// the bytes print as sa_data).
func familyText(fam uint64, b []byte, n int, sa *Sockaddr, st quoteStyle) (string, bool) {
	switch fam {
	case unix.AF_UNIX:
		pathLen := min(n, 110) - 2 // sizeof(struct sockaddr_un)
		p := b[2 : 2+pathLen]
		if p[0] == 0 {
			sa.Path = "@" + string(p[1:])
			return "sun_path=@" + quote(p[1:], st), true
		}
		for i, c := range p {
			if c == 0 {
				p = p[:i]
				break
			}
		}
		sa.Path = string(p)
		return "sun_path=" + quote(p, st), true
	case unix.AF_INET:
		if n < 16 {
			return "", false
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		sa.Addr = netip.AddrFrom4([4]byte(b[4:8])).String()
		return fmt.Sprintf("sin_port=htons(%d), sin_addr=inet_addr(%q)", sa.Port, sa.Addr), true
	case unix.AF_INET6:
		if n < 24 {
			return "", false
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		sa.Addr = ip.String()
		text := fmt.Sprintf("sin6_port=htons(%d), sin6_flowinfo=htonl(%d), inet_pton(AF_INET6, %q, &sin6_addr)",
			sa.Port, binary.BigEndian.Uint32(b[4:]), sa.Addr)
		if n > 24 {
			text += ", sin6_scope_id=" + scopeText(ip, binary.NativeEndian.Uint32(b[24:]))
		}
		return text, true
	case unix.AF_NETLINK:
		if n < 12 {
			return "", false
		}
		sa.Pid = binary.NativeEndian.Uint32(b[4:])
		sa.Groups = binary.NativeEndian.Uint32(b[8:])
		text := ""
		if pad := binary.NativeEndian.Uint16(b[2:]); pad != 0 {
			text = "nl_pad=" + hexText(uint64(pad)) + ", "
		}
		return text + fmt.Sprintf("nl_pid=%d, nl_groups=%s", sa.Pid, groupsText(sa.Groups)), true
	case unix.AF_IPX:
		if n < 16 {
			return "", false
		}
		text := fmt.Sprintf("sipx_port=htons(%d), sipx_network=htonl(%s), sipx_node=%s, sipx_type=%s",
			binary.BigEndian.Uint16(b[2:]), hexText(uint64(binary.BigEndian.Uint32(b[4:]))),
			byteArrayText(b[8:14]), hex0x(uint64(b[14]), 2))
		if b[15] != 0 {
			text += ", sipx_zero=" + hexText(uint64(b[15]))
		}
		return text, true
	case unix.AF_X25:
		if n < 18 {
			return "", false
		}
		return "sx25_addr={x25_addr=" + cstringField(b[2:18]) + "}", true
	case unix.AF_PACKET:
		if n < 20 {
			return "", false
		}
		return sockaddrLLText(b, n), true
	case unix.AF_AX25:
		if n < 16 {
			return "", false
		}
		return sockaddrAX25Text(b, n), true
	}
	return "", false
}

// hex0x is C's %#0*x: zero-padded to width characters, "0x" included,
// and all zeros for 0.
func hex0x(v uint64, width int) string {
	if v == 0 {
		return strings.Repeat("0", width)
	}
	h := strconv.FormatUint(v, 16)
	if len(h) < width-2 {
		h = strings.Repeat("0", width-2-len(h)) + h
	}
	return "0x" + h
}

// byteArrayText prints bytes as strace's PRINT_FIELD_VAL_ARRAY with
// PRINT_VAL_0X: [0x41, 0x42, 00].
func byteArrayText(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = hex0x(uint64(c), 2)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// cstringField is print_quoted_cstring of a char array: up to its size
// less one, "..." when no NUL ends it there.
func cstringField(b []byte) string {
	show := b[:len(b)-1]
	for i, c := range show {
		if c == 0 {
			return quote(show[:i], quoteStyle{})
		}
	}
	if b[len(b)-1] == 0 {
		return quote(show, quoteStyle{})
	}
	return quote(show, quoteStyle{}) + "..."
}

// ifindexText is strace's print_ifindex: the interface's name when this
// host has one with that index.
func ifindexText(id uint32) string {
	if id != 0 && id <= math.MaxInt32 {
		if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
			return "if_nametoindex(" + strconv.Quote(ifi.Name) + ")"
		}
	}
	return strconv.FormatUint(uint64(id), 10)
}

// sockaddrLLText is struct sockaddr_ll (AF_PACKET).
func sockaddrLLText(b []byte, n int) string {
	proto := uint64(binary.BigEndian.Uint16(b[2:]))
	protoText, ok := setEthernetProtocols.lookup(proto)
	if !ok {
		protoText = hexText(proto) + " /* ETH_P_??? */"
	}
	halen := int(b[11])
	text := fmt.Sprintf("sll_protocol=htons(%s), sll_ifindex=%s, sll_hatype=%s, sll_pkttype=%s, sll_halen=%d",
		protoText, ifindexText(binary.NativeEndian.Uint32(b[4:])),
		setArpHardwareTypes.enumText(uint64(binary.NativeEndian.Uint16(b[8:]))),
		setAfPacketTypes.enumText(uint64(b[10])), halen)
	if halen == 0 {
		return text
	}
	inLen := n - 12 // bytes of sll_addr the length covers
	parts := []string{}
	for i := 0; i < halen; i++ {
		if i >= inLen {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, hex0x(uint64(b[12+i]), 2))
	}
	return text + ", sll_addr=[" + strings.Join(parts, ", ") + "]"
}

const (
	ax25CallLen   = 7  // sizeof(ax25_address)
	ax25AddrSize  = 16 // sizeof(struct sockaddr_ax25)
	ax25MaxDigis  = 8  // AX25_MAX_DIGIS
	ax25NdigisOff = 12 // offsetof(struct sockaddr_ax25, sax25_ndigis)
)

// ax25Style is check_ax25_address: 0 a callsign to print as is, 1 one to
// print raw with the callsign in a comment, 2 raw only.
func ax25Style(call []byte) int {
	style := 0
	spaceSeen, charSeen := false, false
	for _, c := range call[:ax25CallLen-1] {
		if c&1 != 0 {
			style = 1
		}
		c >>= 1
		if c == ' ' {
			spaceSeen = true
		} else {
			charSeen = true
		}
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && c != ' ' {
			style = 1
		}
		if c != ' ' && spaceSeen {
			style = 1
		}
		if c < ' ' || c > 0x7e || c == '*' || c == '/' {
			return 2
		}
	}
	last := call[ax25CallLen-1]
	if last&^0x1e != 0 || (!charSeen && last != 0) {
		style = 1
	}
	return style
}

// ax25CallText is ax25_addr2str: CALL-SSID, "*" for an empty one.
func ax25CallText(call []byte) string {
	end := ax25CallLen - 1
	for end > 0 && call[end-1]>>1 == ' ' {
		end--
	}
	var b strings.Builder
	for _, c := range call[:end] {
		b.WriteByte(c >> 1)
	}
	b.WriteByte('-')
	b.WriteString(strconv.Itoa(int((call[ax25CallLen-1] >> 1) & 0xf)))
	if t := b.String(); t != "-0" {
		return t
	}
	return "*"
}

// ax25AddrText is print_ax25_addr in strace's default (abbreviated) style.
func ax25AddrText(call []byte) string {
	raw := "{ax25_call=" + quote(call, quoteStyle{hex: true}) + "}"
	switch ax25Style(call) {
	case 0:
		return ax25CallText(call)
	case 1:
		return raw + " /* " + ax25CallText(call) + " */"
	}
	return raw
}

// sockaddrAX25Text is struct full_sockaddr_ax25 as strace prints it.
func sockaddrAX25Text(b []byte, n int) string {
	ndigis := int32(binary.NativeEndian.Uint32(b[ax25NdigisOff:]))
	base := "sax25_call=" + ax25AddrText(b[2:2+ax25CallLen]) + ", sax25_ndigis=" + strconv.Itoa(int(ndigis))
	if ndigis == 0 && n <= ax25AddrSize {
		return base
	}
	text := "fsa_ax25={" + base + "}"
	has := min((n-ax25AddrSize)/ax25CallLen, ax25MaxDigis)
	want := min(max(int(ndigis), 0), ax25MaxDigis)
	if want > 0 {
		var parts []string
		for i := 0; i < min(has, want); i++ {
			off := ax25AddrSize + i*ax25CallLen
			parts = append(parts, ax25AddrText(b[off:off+ax25CallLen]))
		}
		if want > has {
			parts = append(parts, "...")
		}
		text += ", fsa_digipeater=[" + strings.Join(parts, ", ") + "]"
	}
	if n > has*ax25CallLen+ax25AddrSize {
		text += ", ..."
	}
	return text
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
	return bufText(s, addr, uint64(rlen), s.qs())
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
	return bufText(s, addr, uint64(int64(n)), s.qs())
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
