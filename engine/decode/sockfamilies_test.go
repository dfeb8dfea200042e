package decode

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func family(f uint16, rest ...byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, f)
	return append(b, rest...)
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// Expected texts are strace 6.1's (its net-sockaddr test).
func TestSockaddrFamilies(t *testing.T) {
	nl := family(unix.AF_NETLINK, 0xff, 0xff)
	nl = binary.NativeEndian.AppendUint32(nl, 1234567890)
	nl = binary.NativeEndian.AppendUint32(nl, 0xfacefeed)
	ll := family(unix.AF_PACKET, 0, 3) // htons(ETH_P_ALL)
	ll = binary.NativeEndian.AppendUint32(ll, 0xfacefeed)
	ll = binary.NativeEndian.AppendUint16(ll, unix.ARPHRD_ETHER)
	ll = append(ll, unix.PACKET_HOST, 9)
	ll = append(ll, []byte("abcdefgh")...)
	ax := family(unix.AF_AX25, 0xac, 0x82, 0x98, 0x92, 0x88, 0x40, 0x1a, 0, 0, 0)
	ax = binary.NativeEndian.AppendUint32(ax, 8)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"unix path stops at sun_path's end", append(family(unix.AF_UNIX), repeat('0', 127)...),
			`{sa_family=AF_UNIX, sun_path="` + string(repeat('0', 108)) + `"}`},
		{"unix abstract takes the length", append(family(unix.AF_UNIX, 0), repeat('0', 109)...),
			`{sa_family=AF_UNIX, sun_path=@"` + string(repeat('0', 107)) + `"}`},
		{"unix abstract empty", family(unix.AF_UNIX, 0), `{sa_family=AF_UNIX, sun_path=@""}`},
		{"unix family only", family(unix.AF_UNIX), `{sa_family=AF_UNIX}`},
		{"inet shorter than sockaddr_in", family(unix.AF_INET, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff),
			`{sa_family=AF_INET, sa_data="\0\0\0\0\0\0\377\377\377\377"}`},
		{"ipx", family(unix.AF_IPX, 0x30, 0x39, 0xfa, 0xce, 0xfe, 0xed, 'A', 'B', 'C', 'D', 'E', 'F', 0xff, 0x42),
			`{sa_family=AF_IPX, sipx_port=htons(12345), sipx_network=htonl(0xfacefeed), sipx_node=[0x41, 0x42, 0x43, 0x44, 0x45, 0x46], sipx_type=0xff, sipx_zero=0x42}`},
		{"x25 unterminated", append(family(unix.AF_X25), []byte("0123456789abcdef")...),
			`{sa_family=AF_X25, sx25_addr={x25_addr="0123456789abcde"...}}`},
		{"x25 terminated", append(family(unix.AF_X25), []byte("0123456789\x00bcdef")...),
			`{sa_family=AF_X25, sx25_addr={x25_addr="0123456789"}}`},
		{"netlink pad", nl, `{sa_family=AF_NETLINK, nl_pad=0xffff, nl_pid=1234567890, nl_groups=0xfacefeed}`},
		{"packet, halen past the length", ll,
			`{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=4207869677, sll_hatype=ARPHRD_ETHER, sll_pkttype=PACKET_HOST, sll_halen=9, sll_addr=[0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, ...]}`},
		{"ax25 digipeaters announced, none given", ax,
			`{sa_family=AF_AX25, fsa_ax25={sax25_call=VALID-13, sax25_ndigis=8}, fsa_digipeater=[...]}`},
		{"ax25 digipeaters", append(append([]byte{}, ax...),
			0xa6, 0xa0, 0x82, 0x40, 0x86, 0x8a, 0x00, // SPA CE, a space inside
			0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x00), // empty: *
			`{sa_family=AF_AX25, fsa_ax25={sax25_call=VALID-13, sax25_ndigis=8}, fsa_digipeater=[{ax25_call="\xa6\xa0\x82\x40\x86\x8a\x00"} /* SPA CE-0 */, *, ...]}`},
	} {
		if got, _ := SockaddrText(c.b); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
