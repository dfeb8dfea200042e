package engine

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestProcNetAddr(t *testing.T) {
	for _, c := range []struct {
		in   string
		v6   bool
		want string
		port uint16
	}{
		{"0100007F:9095", false, "127.0.0.1", 0x9095},
		{"00000000:0000", false, "0.0.0.0", 0},
		{"00000000000000000000000001000000:0050", true, "::1", 80},
		{"0000000000000000FFFF00000100007F:1F90", true, "::ffff:127.0.0.1", 8080},
	} {
		a, port, ok := procNetAddr(c.in, c.v6)
		if !ok || a.String() != c.want || port != c.port {
			t.Errorf("procNetAddr(%q) = %v, %d, %v; want %s, %d", c.in, a, port, ok, c.want, c.port)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007F:zz", "01007F:0050", "00000000000000000000000001000000:0050"} {
		if _, _, ok := procNetAddr(bad, false); ok {
			t.Errorf("procNetAddr(%q) accepted", bad)
		}
	}
}

func TestInetDetails(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9095 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 66188 1 0000000000000000 100 0 0 10 0
   1: 0100007F:9095 0100007F:842A 01 00000000:00000000 00:00000000 00000000  1000        0 66191 1 0000000000000000 20 4 30 10 -1
`
	p := filepath.Join(t.TempDir(), "tcp")
	if err := os.WriteFile(p, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	for inode, want := range map[uint64]string{66188: "127.0.0.1:37013", 66191: "127.0.0.1:37013->127.0.0.1:33834", 1: ""} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, found := inetDetails(f, inode, false)
		f.Close()
		if got != want || found != (want != "") {
			t.Errorf("inode %d: %q, %v; want %q", inode, got, found, want)
		}
	}
}

// A real listening socket of this process, as strace -yy shows it.
func TestSocketDetailsListener(t *testing.T) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false) // a plain TCP socket, as C programs make
	ln, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	got, err := socketDetails(os.Getpid(), int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if want := "TCP:[127.0.0.1:" + strconv.Itoa(port) + "]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	// A socket the kernel lists nowhere yet shows its inode.
	s, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	uf, err := s.(*net.UDPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer uf.Close()
	got, err = socketDetails(os.Getpid(), int(uf.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^UDP:\[127\.0\.0\.1:\d+\]$`).MatchString(got) {
		t.Errorf("udp socket: %q", got)
	}

	if _, err := socketDetails(os.Getpid(), 0); err == nil && !isSocketFd(0) {
		t.Errorf("stdin accepted as a socket")
	}
}

func isSocketFd(fd int) bool {
	l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	return err == nil && len(l) > 7 && l[:7] == "socket:"
}

// Unix sockets of this process, as strace 6.1 -yy shows them.
func TestSocketDetailsUnix(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	ino := func(fd int) string {
		l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")
	}
	got, err := socketDetails(os.Getpid(), pair[0])
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^UNIX(-STREAM)?:\[` + ino(pair[0]) + `->` + ino(pair[1]) + `\]$`).MatchString(got) {
		t.Errorf("socketpair end: %q", got)
	}

	path := filepath.Join(t.TempDir(), "s\nock")
	l, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(l)
	if err := unix.Bind(l, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(l, 1); err != nil {
		t.Fatal(err)
	}
	got, err = socketDetails(os.Getpid(), l)
	if err != nil {
		t.Fatal(err)
	}
	want := ":[" + ino(l) + `,"` + strings.ReplaceAll(path, "\n", `\n`) + `"]`
	if !strings.HasPrefix(got, "UNIX") || !strings.HasSuffix(got, want) {
		t.Errorf("listening socket: %q, want UNIX…%s", got, want)
	}

	d, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(d)
	if got, err = socketDetails(os.Getpid(), d); err != nil || got != "UNIX:["+ino(d)+"]" {
		t.Errorf("unbound datagram socket: %q, %v", got, err)
	}
}

func TestCQuote(t *testing.T) {
	for in, want := range map[string]string{"/run/x": `"/run/x"`, "a\"b\\": `"a\"b\\"`, "\x01" + "7": `"\0017"`, "\x01x": `"\1x"`, "ab\x00cd": `"ab"`} {
		if got := cQuote([]byte(in)); got != want {
			t.Errorf("cQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
