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
// only bound, "TCP:[10.0.0.1:5000->10.0.0.2:80]" when connected. Other
// sockets, and ones not listed (not yet bound or listening), show their
// inode: "TCP:[66188]".
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
	return proto + ":[" + inodeText + "]", nil
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
