package engine

import (
	"encoding/binary"
	"reflect"
	"testing"
)

func sa(fam uint16, rest ...byte) []byte {
	b := make([]byte, 2, 2+len(rest))
	binary.NativeEndian.PutUint16(b, fam)
	return append(b, rest...)
}

func TestDecodeSockaddr(t *testing.T) {
	in6 := sa(10, 0x1f, 0x90, 0, 0, 0, 0)
	in6 = append(in6, make([]byte, 15)...)
	in6 = append(in6, 1, 0, 0, 0, 0)
	cases := []struct {
		name string
		b    []byte
		want Sockaddr
		bad  bool
	}{
		{"inet", sa(2, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), Sockaddr{Family: "inet", Addr: "127.0.0.1", Port: 8080}, false},
		{"inet6 loopback", in6, Sockaddr{Family: "inet6", Addr: "::1", Port: 8080}, false},
		{"unix path", sa(1, '/', 't', 'm', 'p', '/', 's', 0, 'x'), Sockaddr{Family: "unix", Path: "/tmp/s"}, false},
		{"unix abstract", sa(1, 0, 'a', 'b'), Sockaddr{Family: "unix", Path: "@ab"}, false},
		{"unix unnamed", sa(1), Sockaddr{Family: "unix", Path: ""}, false},
		{"netlink", sa(16, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0), Sockaddr{Family: "netlink", Pid: 7, Groups: 1}, false},
		{"other", sa(17, 1, 2), Sockaddr{Family: "af_17"}, false},
		{"empty", nil, Sockaddr{}, true},
		{"short inet", sa(2, 0, 80, 127), Sockaddr{Family: "inet"}, true},
		{"short inet6", sa(10, 0, 80), Sockaddr{Family: "inet6"}, true},
	}
	for _, c := range cases {
		got, err := DecodeSockaddr(c.b)
		if (err != nil) != c.bad {
			t.Errorf("%s: err %v", c.name, err)
			continue
		}
		got.Raw = nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// Sockaddrs come from tracee memory: any bytes must decode or fail cleanly.
func FuzzDecodeSockaddr(f *testing.F) {
	f.Add(sa(2, 0x1f, 0x90, 127, 0, 0, 1))
	f.Add(sa(10, 0, 80, 0, 0, 0, 0))
	f.Add(sa(1, 0, 'x'))
	f.Add(sa(16, 1, 2, 3))
	f.Fuzz(func(t *testing.T, b []byte) { DecodeSockaddr(b) })
}
