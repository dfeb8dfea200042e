// Package sockdiag describes sockets by inode as strace -yy does: the
// addresses of an inet socket, the peer and path of a unix socket, the
// protocol and port id of a netlink socket, asked of the kernel through
// NETLINK_SOCK_DIAG.
package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"golang.org/x/sys/unix"
)

// ErrNotFound: the kernel does not list the socket (an inet socket that is
// neither listening nor connected, a closed one, a family it cannot dump).
var ErrNotFound = errors.New("socket not found")

// Cache remembers what was found per inode, as strace does (1,024 slots
// by inode): a socket described once keeps that text. The zero value is
// ready; it is not safe for concurrent use.
type Cache struct {
	slots [1024]struct {
		ino  uint64
		text string
	}
}

// Describe is the text strace -yy prints inside <…> for socket inode ino
// whose protocol name (the kernel's system.sockprotoname, "TCP", "UDPv6",
// "UNIX-STREAM", …) is proto: "TCP:[127.0.0.1:80->127.0.0.1:5000]",
// "UNIX:[123->124,\"/run/x\"]", "NETLINK:[ROUTE:42]". When the kernel has
// nothing to say it is "PROTO:[ino]" for a known protocol; ok is false for
// an unknown one (the caller prints the path, socket:[ino]).
func (c *Cache) Describe(ino uint64, proto string) (text string, ok bool) {
	slot := &c.slots[ino%uint64(len(c.slots))]
	if slot.ino == ino && slot.text != "" {
		return slot.text, true
	}
	p, known := protocols[proto]
	var err error
	if known {
		text, err = p.lookup(ino, p)
	} else {
		err = ErrNotFound
		for _, q := range order {
			if text, err = q.lookup(ino, q); err == nil {
				break
			}
		}
	}
	if err == nil {
		slot.ino, slot.text = ino, text
		return text, true
	}
	if known {
		return p.name + ":[" + strconv.FormatUint(ino, 10) + "]", true
	}
	return "", false
}

type protocol struct {
	name   string
	family uint8
	proto  uint8
	lookup func(ino uint64, p protocol) (string, error)
}

var order = []protocol{
	{"UNIX", unix.AF_UNIX, 0, unixLookup},
	{"UNIX-STREAM", unix.AF_UNIX, 0, unixLookup},
	{"TCP", unix.AF_INET, unix.IPPROTO_TCP, inetLookup},
	{"UDP", unix.AF_INET, unix.IPPROTO_UDP, inetLookup},
	{"UDPLITE", unix.AF_INET, unix.IPPROTO_UDPLITE, inetLookup},
	{"DCCP", unix.AF_INET, unix.IPPROTO_DCCP, inetLookup},
	{"SCTP", unix.AF_INET, unix.IPPROTO_SCTP, inetLookup},
	{"L2TP/IP", unix.AF_INET, unix.IPPROTO_L2TP, inetLookup},
	{"PING", unix.AF_INET, unix.IPPROTO_ICMP, inetLookup},
	{"RAW", unix.AF_INET, unix.IPPROTO_RAW, inetLookup},
	{"TCPv6", unix.AF_INET6, unix.IPPROTO_TCP, inetLookup},
	{"UDPv6", unix.AF_INET6, unix.IPPROTO_UDP, inetLookup},
	{"UDPLITEv6", unix.AF_INET6, unix.IPPROTO_UDPLITE, inetLookup},
	{"DCCPv6", unix.AF_INET6, unix.IPPROTO_DCCP, inetLookup},
	{"SCTPv6", unix.AF_INET6, unix.IPPROTO_SCTP, inetLookup},
	{"L2TP/IPv6", unix.AF_INET6, unix.IPPROTO_L2TP, inetLookup},
	{"PINGv6", unix.AF_INET6, unix.IPPROTO_ICMP, inetLookup},
	{"RAWv6", unix.AF_INET6, unix.IPPROTO_RAW, inetLookup},
	{"NETLINK", unix.AF_NETLINK, 0, netlinkLookup},
}

var protocols = func() map[string]protocol {
	m := map[string]protocol{}
	for _, p := range order {
		m[p.name] = p
	}
	return m
}()

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	nlmsgHdrLen      = 16
)

// query sends one SOCK_DIAG_BY_FAMILY request and hands every response
// message's payload to match until it reports a hit (text, true) or the
// dump ends.
func query(req []byte, flags uint16, match func(msg []byte) (string, bool)) (string, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return "", fmt.Errorf("sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	msg := make([]byte, nlmsgHdrLen+len(req))
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], sockDiagByFamily)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|flags)
	copy(msg[nlmsgHdrLen:], req)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return "", fmt.Errorf("sock_diag request: %w", err)
	}
	buf := make([]byte, 32<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("sock_diag response: %w", err)
		}
		b := buf[:n]
		for len(b) >= nlmsgHdrLen {
			l := int(binary.NativeEndian.Uint32(b[0:]))
			typ := binary.NativeEndian.Uint16(b[4:])
			if l < nlmsgHdrLen || l > len(b) {
				return "", ErrNotFound
			}
			switch typ {
			case unix.NLMSG_DONE, unix.NLMSG_ERROR:
				return "", ErrNotFound
			case sockDiagByFamily:
				if text, ok := match(b[nlmsgHdrLen:l]); ok {
					return text, nil
				}
			default:
				return "", ErrNotFound
			}
			b = b[(l+3)&^3:]
		}
		if flags&unix.NLM_F_DUMP == 0 {
			return "", ErrNotFound // one answer, and it was not this socket
		}
	}
}

// inetLookup dumps every socket of the family and protocol (struct
// inet_diag_req_v2, all states) and finds the inode (struct inet_diag_msg).
func inetLookup(ino uint64, p protocol) (string, error) {
	req := make([]byte, 56)
	req[0], req[1] = p.family, p.proto
	binary.NativeEndian.PutUint32(req[4:], 0xffffffff)
	return query(req, unix.NLM_F_DUMP, func(m []byte) (string, bool) {
		if len(m) < 72 || uint64(binary.NativeEndian.Uint32(m[68:])) != ino {
			return "", false
		}
		alen := 4
		if m[0] == unix.AF_INET6 {
			alen = 16
		} else if m[0] != unix.AF_INET {
			return "", false
		}
		sport, dport := binary.BigEndian.Uint16(m[4:]), binary.BigEndian.Uint16(m[6:])
		src, dst := addr(m[8:8+alen]), addr(m[24:24+alen])
		text := p.name + ":[" + hostPort(src, sport)
		if dport != 0 || !dst.IsUnspecified() {
			text += "->" + hostPort(dst, dport)
		}
		return text + "]", true
	})
}

func addr(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}

func hostPort(a netip.Addr, port uint16) string {
	p := strconv.Itoa(int(port))
	if a.Is6() {
		return "[" + a.String() + "]:" + p
	}
	return a.String() + ":" + p
}

// unixLookup asks for one socket (struct unix_diag_req with its inode,
// name and peer) and formats SELF[->PEER][,"PATH"].
func unixLookup(ino uint64, p protocol) (string, error) {
	const showName, showPeer = 1, 4 // UDIAG_SHOW_NAME, UDIAG_SHOW_PEER
	const attrName, attrPeer = 0, 2 // UNIX_DIAG_NAME, UNIX_DIAG_PEER
	req := make([]byte, 24)
	req[0] = unix.AF_UNIX
	binary.NativeEndian.PutUint32(req[4:], 0xffffffff)
	binary.NativeEndian.PutUint32(req[8:], uint32(ino))
	binary.NativeEndian.PutUint32(req[12:], showName|showPeer)
	binary.NativeEndian.PutUint32(req[16:], 0xffffffff)
	binary.NativeEndian.PutUint32(req[20:], 0xffffffff)
	return query(req, 0, func(m []byte) (string, bool) {
		if len(m) < 16 || m[0] != unix.AF_UNIX || uint64(binary.NativeEndian.Uint32(m[4:])) != ino {
			return "", false
		}
		var peer uint32
		var path []byte
		hasPath := false
		for a := m[16:]; len(a) >= 4; {
			l := int(binary.NativeEndian.Uint16(a[0:]))
			typ := binary.NativeEndian.Uint16(a[2:])
			if l < 4 || l > len(a) {
				break
			}
			data := a[4:l]
			switch {
			case typ == attrName && len(data) > 0:
				path, hasPath = data, true
			case typ == attrPeer && len(data) >= 4:
				peer = binary.NativeEndian.Uint32(data)
			}
			a = a[min((l+3)&^3, len(a)):]
		}
		if peer == 0 && !hasPath {
			return "", false
		}
		text := p.name + ":[" + strconv.FormatUint(ino, 10)
		if peer != 0 {
			text += "->" + strconv.FormatUint(uint64(peer), 10)
		}
		if hasPath {
			text += "," + unixPath(path)
		}
		return text + "]", true
	})
}

// unixPath is the bound name as strace quotes it: "@name" for the
// abstract namespace, the path up to its NUL otherwise.
func unixPath(b []byte) string {
	prefix := ""
	if b[0] == 0 {
		prefix, b = "@", b[1:]
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	return prefix + decode.QuoteString(b)
}

// netlinkLookup dumps every netlink socket (struct netlink_diag_req, all
// protocols) and formats PROTOCOL:PORTID.
func netlinkLookup(ino uint64, p protocol) (string, error) {
	const protoAll = 255 // NDIAG_PROTO_ALL
	req := make([]byte, 20)
	req[0], req[1] = unix.AF_NETLINK, protoAll
	return query(req, unix.NLM_F_DUMP, func(m []byte) (string, bool) {
		if len(m) < 24 || m[0] != unix.AF_NETLINK || uint64(binary.NativeEndian.Uint32(m[16:])) != ino {
			return "", false
		}
		portid := strconv.FormatUint(uint64(binary.NativeEndian.Uint32(m[4:])), 10)
		if name, ok := netlinkProtocols[int(m[2])]; ok {
			return p.name + ":[" + name + ":" + portid + "]", true
		}
		return p.name + ":[" + strconv.Itoa(int(m[2])) + "]", true
	})
}

var netlinkProtocols = map[int]string{
	unix.NETLINK_ROUTE: "ROUTE", unix.NETLINK_UNUSED: "UNUSED", unix.NETLINK_USERSOCK: "USERSOCK",
	unix.NETLINK_FIREWALL: "FIREWALL", unix.NETLINK_SOCK_DIAG: "SOCK_DIAG", unix.NETLINK_NFLOG: "NFLOG",
	unix.NETLINK_XFRM: "XFRM", unix.NETLINK_SELINUX: "SELINUX", unix.NETLINK_ISCSI: "ISCSI",
	unix.NETLINK_AUDIT: "AUDIT", unix.NETLINK_FIB_LOOKUP: "FIB_LOOKUP", unix.NETLINK_CONNECTOR: "CONNECTOR",
	unix.NETLINK_NETFILTER: "NETFILTER", unix.NETLINK_IP6_FW: "IP6_FW", unix.NETLINK_DNRTMSG: "DNRTMSG",
	unix.NETLINK_KOBJECT_UEVENT: "KOBJECT_UEVENT", unix.NETLINK_GENERIC: "GENERIC",
	unix.NETLINK_SCSITRANSPORT: "SCSITRANSPORT", unix.NETLINK_ECRYPTFS: "ECRYPTFS", unix.NETLINK_RDMA: "RDMA",
	unix.NETLINK_CRYPTO: "CRYPTO", unix.NETLINK_SMC: "SMC",
}
