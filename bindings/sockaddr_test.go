package bindings

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// sockaddr builds the bytes of a struct sockaddr of family fam.
func sockaddr(fam uint16, rest ...byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, fam)
	return append(b, rest...)
}

func inet(port uint16, addr string) []byte {
	a := netip.MustParseAddr(addr)
	p := binary.BigEndian.AppendUint16(nil, port)
	if a.Is4() {
		ip := a.As4()
		return sockaddr(unix.AF_INET, append(append(p, ip[:]...), make([]byte, 8)...)...)
	}
	ip := a.As16()
	b := append(p, 0, 0, 0, 0) // flowinfo
	b = append(b, ip[:]...)
	return sockaddr(unix.AF_INET6, append(b, 0, 0, 0, 0)...) // scope id
}

// The text field is one line for any family a tracee can pass, so that a
// script logging where a connect goes never fails on an unexpected one.
func TestSockaddrText(t *testing.T) {
	netlink := sockaddr(unix.AF_NETLINK, 0, 0)
	netlink = binary.NativeEndian.AppendUint32(netlink, 42)
	netlink = binary.NativeEndian.AppendUint32(netlink, 5)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"inet", inet(8080, "127.0.0.1"), "127.0.0.1:8080"},
		{"inet6", inet(443, "::1"), "[::1]:443"},
		{"inet too short for an address", sockaddr(unix.AF_INET, 0x1f), "inet"},
		{"unix path", sockaddr(unix.AF_UNIX, []byte("/run/x.sock\x00")...), "/run/x.sock"},
		{"unix abstract", sockaddr(unix.AF_UNIX, []byte("\x00name")...), "@name"},
		{"unix unnamed", sockaddr(unix.AF_UNIX), "unix (unnamed)"},
		{"netlink", netlink, "netlink pid=42 groups=0x5"},
		{"unspec", sockaddr(unix.AF_UNSPEC, 1, 2), "unspec"},
		{"unknown family", sockaddr(250, 1, 2, 3), "af_250"},
	} {
		_, sa := decode.SockaddrText(c.b)
		if sa == nil {
			t.Errorf("%s: not decoded", c.name)
			continue
		}
		if got := sockaddrText(luaFamily(sa, c.b), sa); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
