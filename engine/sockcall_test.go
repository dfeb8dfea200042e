package engine

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

func sin(fam int, ip string, port int) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint16(b, uint16(fam))
	binary.BigEndian.PutUint16(b[2:], uint16(port))
	a := netip.MustParseAddr(ip).As4()
	copy(b[4:], a[:])
	return b
}

func sin6(fam int, ip string, port int) []byte {
	b := make([]byte, 28)
	binary.NativeEndian.PutUint16(b, uint16(fam))
	binary.BigEndian.PutUint16(b[2:], uint16(port))
	a := netip.MustParseAddr(ip).As16()
	copy(b[8:], a[:])
	return b
}

// Dest reads an address as the kernel will for the socket's family, never
// trusting sa_family to say "no address" where the kernel would use one.
func TestDest(t *testing.T) {
	for _, c := range []struct {
		name   string
		op     SockOp
		domain int
		m      SockMsg
		use    AddrUse
		ip     string
	}{
		{"no name", SockSendto, unix.AF_INET, SockMsg{}, AddrNone, ""},
		{"inet", SockConnect, unix.AF_INET, SockMsg{Name: sin(unix.AF_INET, "127.0.0.2", 80)}, AddrIP, "127.0.0.2"},
		{"unspec sendto is inet to UDP", SockSendto, unix.AF_INET, SockMsg{Name: sin(unix.AF_UNSPEC, "127.0.0.2", 80)}, AddrIP, "127.0.0.2"},
		{"unspec bind is inet (INADDR_ANY)", SockBind, unix.AF_INET, SockMsg{Name: sin(unix.AF_UNSPEC, "0.0.0.0", 80)}, AddrIP, "0.0.0.0"},
		{"unspec connect disconnects", SockConnect, unix.AF_INET, SockMsg{Name: sin(unix.AF_UNSPEC, "127.0.0.2", 80)}, AddrNone, ""},
		{"another family on an inet socket is read as inet", SockConnect, unix.AF_INET, SockMsg{Name: sin(unix.AF_INET6, "127.0.0.2", 80)}, AddrIP, "127.0.0.2"},
		{"4 bytes", SockConnect, unix.AF_INET, SockMsg{Name: sin(unix.AF_INET, "127.0.0.2", 80)[:4]}, AddrInvalid, ""},
		{"1 byte", SockConnect, unix.AF_INET, SockMsg{Name: []byte{2}}, AddrInvalid, ""},
		{"8 bytes still name an address", SockSendto, unix.AF_INET, SockMsg{Name: sin(unix.AF_INET, "127.0.0.2", 80)[:8]}, AddrIP, "127.0.0.2"},
		{"read error", SockConnect, unix.AF_INET, SockMsg{Name: []byte{}, Err: unix.EFAULT}, AddrInvalid, ""},
		{"inet on inet6 is IPv4", SockSendto, unix.AF_INET6, SockMsg{Name: sin(unix.AF_INET, "127.0.0.2", 80)}, AddrIP, "127.0.0.2"},
		{"inet6", SockConnect, unix.AF_INET6, SockMsg{Name: sin6(unix.AF_INET6, "::2", 80)}, AddrIP, "::2"},
		{"mapped is IPv4", SockConnect, unix.AF_INET6, SockMsg{Name: sin6(unix.AF_INET6, "::ffff:127.0.0.2", 80)}, AddrIP, "127.0.0.2"},
		{"unspec sendto on inet6 is IPv6 to raw", SockSendto, unix.AF_INET6, SockMsg{Name: sin6(unix.AF_UNSPEC, "::2", 80)}, AddrIP, "::2"},
		{"short unspec sendto on inet6: UDP ignores it", SockSendto, unix.AF_INET6, SockMsg{Name: sin(unix.AF_UNSPEC, "127.0.0.2", 80)}, AddrNone, ""},
		{"short inet6", SockBind, unix.AF_INET6, SockMsg{Name: sin6(unix.AF_INET6, "::2", 80)[:20]}, AddrInvalid, ""},
		{"unix", SockConnect, unix.AF_UNIX, SockMsg{Name: []byte{1, 0, '/', 'x'}}, AddrOther, ""},
	} {
		d := c.m.Dest(c.op, c.domain)
		if d.Use != c.use || (c.ip != "" && d.IP.String() != c.ip) {
			t.Errorf("%s: got use %d ip %v, want use %d ip %s", c.name, d.Use, d.IP, c.use, c.ip)
		}
	}
}

func cmsg(level, typ int32, data []byte) []byte {
	l := 16 + len(data)
	b := make([]byte, (l+7)&^7)
	binary.NativeEndian.PutUint64(b, uint64(l))
	binary.NativeEndian.PutUint32(b[8:], uint32(level))
	binary.NativeEndian.PutUint32(b[12:], uint32(typ))
	copy(b[16:], data)
	return b
}

func TestCheckControl(t *testing.T) {
	ip := &sockJob{domain: unix.AF_INET, ident: -1}  // credentials differ
	same := &sockJob{domain: unix.AF_INET, ident: 1} // the tracer's credentials
	for _, c := range []struct {
		name string
		j    *sockJob
		b    []byte
		want unix.Errno
	}{
		{"pktinfo", ip, cmsg(unix.SOL_IP, unix.IP_PKTINFO, make([]byte, 12)), 0},
		{"ttl and tos", ip, append(cmsg(unix.SOL_IP, unix.IP_TTL, make([]byte, 4)), cmsg(unix.SOL_IP, unix.IP_TOS, make([]byte, 4))...), 0},
		{"rights on IP", same, cmsg(unix.SOL_SOCKET, unix.SCM_RIGHTS, make([]byte, 4)), unix.EINVAL},
		{"source route", same, cmsg(unix.SOL_IP, unix.IP_RETOPTS, make([]byte, 8)), unix.EPERM},
		{"routing header", same, cmsg(unix.SOL_IPV6, unix.IPV6_RTHDR, make([]byte, 8)), unix.EPERM},
		{"so_mark, other credentials", ip, cmsg(unix.SOL_SOCKET, unix.SO_MARK, make([]byte, 4)), unix.EPERM},
		{"so_mark, same credentials", same, cmsg(unix.SOL_SOCKET, unix.SO_MARK, make([]byte, 4)), 0},
		{"cmsg_len too short", ip, func() []byte { b := cmsg(unix.SOL_IP, unix.IP_TTL, make([]byte, 4)); b[0] = 8; return b }(), unix.EINVAL},
		{"cmsg_len past the end", ip, func() []byte { b := cmsg(unix.SOL_IP, unix.IP_TTL, make([]byte, 4)); b[0] = 200; return b }(), unix.EINVAL},
		{"trailing bytes shorter than a header", ip, append(cmsg(unix.SOL_IP, unix.IP_TTL, make([]byte, 4)), 1, 2, 3), 0},
	} {
		if got := c.j.checkControl(c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
