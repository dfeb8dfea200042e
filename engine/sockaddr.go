package engine

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Sockaddr is a decoded struct sockaddr.
type Sockaddr struct {
	Family string // "inet", "inet6", "unix", "netlink", or "af_<n>"
	Addr   string // IP address for inet/inet6
	Port   int
	Path   string // unix: the path; abstract names start with "@"
	Pid    uint32 // netlink
	Groups uint32 // netlink
	Raw    []byte
}

// DecodeSockaddr decodes the bytes of a struct sockaddr as the kernel would
// read them; short buffers are an error, never a panic.
func DecodeSockaddr(b []byte) (Sockaddr, error) {
	if len(b) < 2 {
		return Sockaddr{}, fmt.Errorf("sockaddr too short (%d bytes)", len(b))
	}
	fam := binary.NativeEndian.Uint16(b)
	sa := Sockaddr{Raw: b}
	switch fam {
	case unix.AF_INET:
		sa.Family = "inet"
		if len(b) < 8 {
			return sa, fmt.Errorf("sockaddr_in too short (%d bytes)", len(b))
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		sa.Addr = netip.AddrFrom4([4]byte(b[4:8])).String()
	case unix.AF_INET6:
		sa.Family = "inet6"
		if len(b) < 24 {
			return sa, fmt.Errorf("sockaddr_in6 too short (%d bytes)", len(b))
		}
		sa.Port = int(binary.BigEndian.Uint16(b[2:]))
		sa.Addr = netip.AddrFrom16([16]byte(b[8:24])).String()
	case unix.AF_UNIX:
		sa.Family = "unix"
		p := b[2:]
		if len(p) > 0 && p[0] == 0 {
			sa.Path = "@" + string(p[1:])
		} else {
			for i, c := range p {
				if c == 0 {
					p = p[:i]
					break
				}
			}
			sa.Path = string(p)
		}
	case unix.AF_NETLINK:
		sa.Family = "netlink"
		if len(b) < 12 {
			return sa, fmt.Errorf("sockaddr_nl too short (%d bytes)", len(b))
		}
		sa.Pid = binary.NativeEndian.Uint32(b[4:])
		sa.Groups = binary.NativeEndian.Uint32(b[8:])
	default:
		sa.Family = fmt.Sprintf("af_%d", fam)
	}
	return sa, nil
}
