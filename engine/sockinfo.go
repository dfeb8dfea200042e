package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoSocket is SocketDetails' answer for a descriptor that is not a
// socket.
var ErrNoSocket = errors.New("not a socket")

// SocketDetails is what strace -yy shows for a socket descriptor of the
// calling process: the protocol (the kernel's system.sockprotoname, "TCP",
// "UDPv6", "UNIX", …) and, for a TCP or UDP socket the kernel lists in the
// process's /proc/PID/net tables, its addresses: "TCP:[127.0.0.1:80]" when
// only bound, "TCP:[10.0.0.1:5000->10.0.0.2:80]" when connected. A unix
// socket shows its peer and name from sock_diag, as strace asks it:
// "UNIX-STREAM:[772662->772663]", `UNIX-STREAM:[772665,"/run/x.sock"]`.
// Other sockets, and ones the kernel lists nowhere (not yet bound or
// listening), show their inode: "TCP:[66188]".
func (s *Stop) SocketDetails(fd int) (string, error) {
	if !s.valid {
		return "", ErrCallStale
	}
	return socketDetails(s.Tid, fd)
}

func socketDetails(tid, fd int) (string, error) {
	link := "/proc/" + strconv.Itoa(tid) + "/fd/" + strconv.Itoa(fd)
	target, err := os.Readlink(link)
	if err != nil {
		return "", fmt.Errorf("fd %d of %d: %w", fd, tid, unwrapPathErr(err))
	}
	inodeText, ok := strings.CutPrefix(target, "socket:[")
	inodeText, ok2 := strings.CutSuffix(inodeText, "]")
	if !ok || !ok2 {
		return "", fmt.Errorf("fd %d of %d: %w", fd, tid, ErrNoSocket)
	}
	inode, err := strconv.ParseUint(inodeText, 10, 64)
	if err != nil {
		return "", fmt.Errorf("fd %d of %d: bad socket inode %q: %w", fd, tid, inodeText, ErrNoSocket)
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(link, "system.sockprotoname", buf)
	if err != nil {
		return "", fmt.Errorf("socket protocol of fd %d of %d: %w", fd, tid, err)
	}
	proto := strings.TrimRight(string(buf[:n]), "\x00")
	table := map[string]string{"TCP": "tcp", "TCPv6": "tcp6", "UDP": "udp", "UDPv6": "udp6",
		"UDPLITE": "udplite", "UDPLITEv6": "udplite6"}[proto]
	if table != "" {
		f, err := os.Open("/proc/" + strconv.Itoa(tid) + "/net/" + table)
		if err == nil {
			details, found := inetDetails(f, inode, strings.HasSuffix(table, "6"))
			f.Close()
			if found {
				return proto + ":[" + details + "]", nil
			}
		}
	}
	if strings.HasPrefix(proto, "UNIX") { // UNIX, UNIX-STREAM, …
		if details, ok := unixDetails(uint32(inode)); ok {
			return proto + ":[" + inodeText + details + "]", nil
		}
	}
	return proto + ":[" + inodeText + "]", nil
}

// unixDetails asks the kernel's sock_diag (in the tracer's network
// namespace, as strace does) for a unix socket's peer and name: "->PEER"
// and `,"PATH"` (`,@"NAME"` for an abstract one); ok is false when it
// knows neither.
func unixDetails(inode uint32) (string, bool) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return "", false
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 1}
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)

	const (
		nlmsgHdrLen    = 16
		unixDiagReqLen = 24
		unixDiagMsgLen = 16
		udiagShowName  = 0x1
		udiagShowPeer  = 0x4
		unixDiagName   = 0
		unixDiagPeer   = 2
	)
	req := make([]byte, nlmsgHdrLen+unixDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], 1) // seq
	r := req[nlmsgHdrLen:]
	r[0] = unix.AF_UNIX
	ne.PutUint32(r[4:], ^uint32(0)) // every state
	ne.PutUint32(r[8:], inode)
	ne.PutUint32(r[12:], udiagShowName|udiagShowPeer)
	ne.PutUint32(r[16:], ^uint32(0)) // no cookie
	ne.PutUint32(r[20:], ^uint32(0))
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return "", false
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil || n < nlmsgHdrLen+unixDiagMsgLen {
		return "", false
	}
	buf = buf[:min(n, int(ne.Uint32(buf[0:])))]
	if len(buf) < nlmsgHdrLen+unixDiagMsgLen || ne.Uint16(buf[4:]) != unix.SOCK_DIAG_BY_FAMILY {
		return "", false // NLMSG_ERROR: the kernel does not know the inode here
	}
	msg := buf[nlmsgHdrLen:]
	if msg[0] != unix.AF_UNIX || ne.Uint32(msg[4:]) != inode {
		return "", false
	}
	var peer uint32
	var path []byte
	havePath := false
	for attrs := msg[unixDiagMsgLen:]; len(attrs) >= 4; {
		alen, atype := int(ne.Uint16(attrs)), ne.Uint16(attrs[2:])
		if alen < 4 || alen > len(attrs) {
			break
		}
		data := attrs[4:alen]
		switch atype {
		case unixDiagName:
			if !havePath && len(data) > 0 {
				path, havePath = data[:min(len(data), 108)], true
			}
		case unixDiagPeer:
			if len(data) >= 4 {
				peer = ne.Uint32(data)
			}
		}
		attrs = attrs[min(len(attrs), (alen+3)&^3):]
	}
	if peer == 0 && !havePath {
		return "", false
	}
	var details string
	if peer != 0 {
		details = "->" + strconv.FormatUint(uint64(peer), 10)
	}
	if havePath {
		if path[0] == 0 {
			details += ",@" + cQuote(path[1:])
		} else {
			details += "," + cQuote(path)
		}
	}
	return details, true
}

// cQuote is strace's string_quote for a NUL-terminated name: C escapes,
// octal for other bytes (three digits before a digit), up to the NUL.
func cQuote(b []byte) string {
	var q strings.Builder
	q.WriteByte('"')
	for i, c := range b {
		if c == 0 {
			break
		}
		switch c {
		case '"', '\\':
			q.WriteByte('\\')
			q.WriteByte(c)
			continue
		case '\t':
			q.WriteString(`\t`)
			continue
		case '\n':
			q.WriteString(`\n`)
			continue
		case '\v':
			q.WriteString(`\v`)
			continue
		case '\f':
			q.WriteString(`\f`)
			continue
		case '\r':
			q.WriteString(`\r`)
			continue
		}
		if c >= ' ' && c < 0x7f {
			q.WriteByte(c)
			continue
		}
		if i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7' {
			q.WriteString(fmt.Sprintf("\\%03o", c))
		} else {
			q.WriteString(fmt.Sprintf("\\%o", c))
		}
	}
	q.WriteByte('"')
	return q.String()
}

// inetDetails finds inode in a /proc/net/{tcp,udp}[6] table and prints
// its addresses as strace does: src, or src->dst once there is a peer.
func inetDetails(f *os.File, inode uint64, v6 bool) (string, bool) {
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		if ino, err := strconv.ParseUint(fields[9], 10, 64); err != nil || ino != inode {
			continue
		}
		src, sport, ok1 := procNetAddr(fields[1], v6)
		dst, dport, ok2 := procNetAddr(fields[2], v6)
		if !ok1 || !ok2 {
			return "", false
		}
		text := hostPort(src, sport)
		if dport != 0 || !dst.IsUnspecified() {
			text += "->" + hostPort(dst, dport)
		}
		return text, true
	}
	return "", false
}

func hostPort(a netip.Addr, port uint16) string {
	if a.Is6() {
		return "[" + a.String() + "]:" + strconv.Itoa(int(port))
	}
	return a.String() + ":" + strconv.Itoa(int(port))
}

// procNetAddr parses ADDR:PORT of /proc/net/tcp: the address as the
// kernel's 32-bit words printed in hex in host order, the port in hex.
func procNetAddr(s string, v6 bool) (netip.Addr, uint16, bool) {
	addrHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, false
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, false
	}
	raw, err := hex.DecodeString(addrHex)
	if err != nil || (len(raw) != 4 && len(raw) != 16) || (len(raw) == 16) != v6 {
		return netip.Addr{}, 0, false
	}
	var b [16]byte
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	if !v6 {
		return netip.AddrFrom4([4]byte(b[:4])), uint16(port), true
	}
	return netip.AddrFrom16(b), uint16(port), true
}
