package sockdiag

import (
	"net"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func inode(t *testing.T, fd int) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lf, _ := l.(*net.TCPListener).File()
	defer lf.Close()
	cf, _ := c.(*net.TCPConn).File()
	defer cf.Close()
	local := c.LocalAddr().(*net.TCPAddr).Port

	var cache Cache
	p := strconv.Itoa(port)
	if got, ok := cache.Describe(inode(t, int(lf.Fd())), "TCP"); !ok || got != "TCP:[127.0.0.1:"+p+"]" {
		t.Errorf("listener: %q %v", got, ok)
	}
	want := "TCP:[127.0.0.1:" + strconv.Itoa(local) + "->127.0.0.1:" + p + "]"
	if got, ok := cache.Describe(inode(t, int(cf.Fd())), "TCP"); !ok || got != want {
		t.Errorf("connected: %q %v, want %q", got, ok, want)
	}
	// the protocol unknown: every family is tried
	var fresh Cache
	if got, ok := fresh.Describe(inode(t, int(cf.Fd())), ""); !ok || got != want {
		t.Errorf("unknown protocol: %q %v, want %q", got, ok, want)
	}
}

func TestUnboundAndUnknown(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	ino := inode(t, fd)
	var cache Cache
	// an unbound UDP socket is listed with no addresses by some kernels,
	// not at all by others; either way the text names the protocol.
	got, ok := cache.Describe(ino, "UDPv6")
	if !ok || (got != "UDPv6:["+strconv.FormatUint(ino, 10)+"]" && got != "UDPv6:[[::]:0]") {
		t.Errorf("unbound: %q %v", got, ok)
	}
	if got, ok := cache.Describe(1<<40, "NOSUCH"); ok {
		t.Errorf("unknown socket: %q, want not ok", got)
	}
}

func TestUnix(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	a, b := inode(t, fds[0]), inode(t, fds[1])
	var cache Cache
	want := "UNIX-STREAM:[" + strconv.FormatUint(a, 10) + "->" + strconv.FormatUint(b, 10) + "]"
	if got, ok := cache.Describe(a, "UNIX-STREAM"); !ok || got != want {
		t.Errorf("socketpair: %q %v, want %q", got, ok, want)
	}

	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	if err := unix.Bind(s, &unix.SockaddrUnix{Name: "@sockdiag-test\"x"}); err != nil {
		t.Fatal(err)
	}
	ino := inode(t, s)
	want = "UNIX:[" + strconv.FormatUint(ino, 10) + `,@"sockdiag-test\"x"]`
	if got, ok := cache.Describe(ino, "UNIX"); !ok || got != want {
		t.Errorf("abstract: %q %v, want %q", got, ok, want)
	}
}

func TestNetlink(t *testing.T) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	var cache Cache
	want := "NETLINK:[ROUTE:" + strconv.Itoa(int(sa.(*unix.SockaddrNetlink).Pid)) + "]"
	if got, ok := cache.Describe(inode(t, fd), "NETLINK"); !ok || got != want {
		t.Errorf("netlink: %q %v, want %q", got, ok, want)
	}
}

// The cache keeps the first text found, as strace's does.
func TestCacheKeeps(t *testing.T) {
	var c Cache
	c.slots[5].ino, c.slots[5].text = 5, "TCP:[cached]"
	if got, _ := c.Describe(5, "TCP"); got != "TCP:[cached]" {
		t.Errorf("got %q", got)
	}
	c.slots[5].ino = 1029 // another inode in the slot
	if got, _ := c.Describe(5, "TCP"); got != "TCP:[5]" {
		t.Errorf("evicted slot: got %q", got)
	}
}
