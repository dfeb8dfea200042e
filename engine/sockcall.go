package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// SockOp is a socket call the tracer can perform for a tracee.
type SockOp uint8

const (
	SockConnect SockOp = iota + 1
	SockBind
	SockSendto
	SockSendmsg
	SockSendmmsg
)

func (o SockOp) String() string {
	switch o {
	case SockConnect:
		return "connect"
	case SockBind:
		return "bind"
	case SockSendto:
		return "sendto"
	case SockSendmsg:
		return "sendmsg"
	case SockSendmmsg:
		return "sendmmsg"
	}
	return "none"
}

// SockOpOf is the socket call syscall nr is, 0 for any other syscall.
func SockOpOf(nr int) SockOp {
	switch nr {
	case unix.SYS_CONNECT:
		return SockConnect
	case unix.SYS_BIND:
		return SockBind
	case unix.SYS_SENDTO:
		return SockSendto
	case unix.SYS_SENDMSG:
		return SockSendmsg
	case unix.SYS_SENDMMSG:
		return SockSendmmsg
	}
	return 0
}

// Limits the kernel applies, which the snapshot applies the same way.
const (
	sockaddrMax = 128  // sizeof(struct sockaddr_storage)
	uioMaxIov   = 1024 // UIO_MAXIOV: sendmsg's iovlen limit, sendmmsg's vlen clamp
	msghdrSize  = 56   // struct msghdr (64-bit)
	mmsghdrSize = 64   // struct mmsghdr
)

// SockCall is a snapshot of what a socket call reads from tracee memory
// to decide where it goes: its address(es), taken once per stop, the first
// time a reader asks. Every reader of the stop sees the same bytes, and an
// emulated call (Stop.Emulate) uses exactly them, so a decision made on
// the snapshot is the decision the kernel carries out, whatever the
// tracee's other threads write meanwhile.
type SockCall struct {
	Op    SockOp
	Fd    int
	Flags int // the MSG_ flags argument of sendto, sendmsg and sendmmsg
	// Msgs holds one entry for connect, bind, sendto and sendmsg, and one
	// per message for sendmmsg (at most 1024, as the kernel clamps vlen).
	// A sendmmsg whose header i is unreadable ends at i, with Err set.
	Msgs []SockMsg
	// Err is set when the kernel fails the whole call before it uses any
	// address (an unreadable msghdr: EFAULT; too many iovecs: EMSGSIZE).
	Err error

	buf, bufLen uint64 // sendto's data
	vec         uint64 // sendmmsg's array
}

// SockMsg is one address of a socket call, and for sendmsg/sendmmsg
// where the message's data and control data are.
type SockMsg struct {
	// Name is the address as the kernel copies it: the first NameLen bytes
	// (sendmsg clamps the length to 128, as the kernel does). nil: the call
	// gives no address (sendto's or msg_name NULL, or a zero msg_namelen).
	Name []byte
	// Err: the kernel refuses this address (EINVAL for a negative or, for
	// connect/bind/sendto, too long a length; EFAULT for unreadable memory).
	Err error

	iov, iovLen, control, controlLen uint64
}

// SockCall returns the snapshot of the socket call at this stop (see
// SockCall); an error for a syscall that is not a socket call.
func (s *Stop) SockCall() (*SockCall, error) {
	if !s.valid {
		return nil, ErrCallStale
	}
	if s.sock != nil {
		return s.sock, nil
	}
	op := SockOpOf(s.Nr)
	if op == 0 {
		return nil, fmt.Errorf("syscall %d: %w", s.Nr, ErrNotSockCall)
	}
	sc := &SockCall{Op: op, Fd: int(int32(s.Args[0]))}
	a := s.Args
	switch op {
	case SockConnect, SockBind:
		sc.Msgs = []SockMsg{s.readName(a[1], int64(int32(a[2])), false)}
	case SockSendto:
		sc.Flags = int(int32(a[3]))
		sc.buf, sc.bufLen = a[1], a[2]
		m := SockMsg{}
		if a[4] != 0 {
			m = s.readName(a[4], int64(int32(a[5])), false)
		}
		sc.Msgs = []SockMsg{m}
	case SockSendmsg:
		sc.Flags = int(int32(a[2]))
		var h [msghdrSize]byte
		if _, err := readFull(s.Tid, a[1], h[:]); err != nil {
			sc.Err = memErr(err)
			break
		}
		m, err := s.readMsghdr(h[:])
		sc.Err = err
		sc.Msgs = []SockMsg{m}
	case SockSendmmsg:
		sc.Flags = int(int32(a[3]))
		sc.vec = a[1]
		n := min(uint64(uint32(a[2])), uioMaxIov)
		for i := uint64(0); i < n; i++ {
			var h [msghdrSize]byte
			if _, err := readFull(s.Tid, a[1]+i*mmsghdrSize, h[:]); err != nil {
				sc.Msgs = append(sc.Msgs, SockMsg{Err: memErr(err)})
				break
			}
			m, err := s.readMsghdr(h[:])
			if err != nil {
				m.Err = err
			}
			sc.Msgs = append(sc.Msgs, m)
			if m.Err != nil {
				break
			}
		}
	}
	s.sock = sc
	return sc, nil
}

// readName copies the address at addr of length n, as move_addr_to_kernel
// does: a length outside 0..128 is EINVAL (clamped instead for msghdrs).
func (s *Stop) readName(addr uint64, n int64, clamp bool) SockMsg {
	if n < 0 {
		return SockMsg{Name: []byte{}, Err: unix.EINVAL}
	}
	if n > sockaddrMax {
		if !clamp {
			return SockMsg{Name: []byte{}, Err: unix.EINVAL}
		}
		n = sockaddrMax
	}
	b := make([]byte, n)
	if n == 0 {
		return SockMsg{Name: b}
	}
	if _, err := readFull(s.Tid, addr, b); err != nil {
		return SockMsg{Name: []byte{}, Err: memErr(err)}
	}
	return SockMsg{Name: b}
}

// readMsghdr reads one struct msghdr's address and notes where its data
// and control data are; err is what the kernel would fail the message with.
func (s *Stop) readMsghdr(h []byte) (SockMsg, error) {
	ne := binary.NativeEndian
	name, namelen := ne.Uint64(h[0:]), int64(int32(ne.Uint32(h[8:])))
	var m SockMsg
	switch {
	case name == 0 || namelen == 0:
		// no address
	case namelen < 0:
		return m, unix.EINVAL
	default:
		m = s.readName(name, namelen, true)
	}
	m.iov, m.iovLen = ne.Uint64(h[16:]), ne.Uint64(h[24:])
	m.control, m.controlLen = ne.Uint64(h[32:]), ne.Uint64(h[40:])
	if m.iovLen > uioMaxIov {
		return m, unix.EMSGSIZE
	}
	return m, m.Err
}

// memErr is what the kernel answers for memory it cannot read: EFAULT.
// The tracer failing to read for want of permission (a non-dumpable
// tracee, without CAP_SYS_PTRACE) is not the kernel's answer: EPERM.
func memErr(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return unix.EPERM
	}
	return unix.EFAULT
}

// AddrUse is how the kernel will use an address.
type AddrUse uint8

const (
	// AddrNone: no address is used: a send to the connected peer, an
	// AF_UNSPEC connect (which dissolves an association), an AF_UNSPEC
	// send on an IPv6 UDP socket.
	AddrNone AddrUse = iota
	// AddrInvalid: the kernel fails the call on this address (too short,
	// a bad length, unreadable).
	AddrInvalid
	// AddrIP: an IPv4 or IPv6 address and port (Dest.IP, Dest.Port).
	AddrIP
	// AddrOther: an address of another family (unix, netlink, …), for a
	// socket that is not AF_INET/AF_INET6: Name as given.
	AddrOther
)

// Dest is an address as the kernel will read it for a socket of a given
// family, whatever the address's own sa_family says.
type Dest struct {
	Use  AddrUse
	IP   netip.Addr // AddrIP; an IPv4-mapped IPv6 address is given as IPv4
	Port int
	// Given is the sa_family field as written (-1 without one).
	Given int
}

// Dest reads the message's address the way the kernel will for a socket
// of family domain, erring on the side of an address being used: on an
// AF_INET socket every sockaddr of 8 bytes or more is read as a
// sockaddr_in whatever its sa_family (AF_UNSPEC is AF_INET to UDP, raw
// and bind(INADDR_ANY)), except AF_UNSPEC for connect (a disconnect); on
// an AF_INET6 socket an AF_INET sockaddr is IPv4 (UDP's dual stack) and
// any other of 24 bytes or more is a sockaddr_in6 (AF_UNSPEC is IPv6 to
// raw sockets, none to UDP). Shorter addresses the kernel refuses.
func (m *SockMsg) Dest(op SockOp, domain int) Dest {
	d := Dest{Given: -1}
	if m.Name == nil {
		return d // AddrNone
	}
	if m.Err != nil || len(m.Name) < 2 {
		d.Use = AddrInvalid
		return d
	}
	b := m.Name
	fam := int(binary.NativeEndian.Uint16(b))
	d.Given = fam
	v4 := func() Dest {
		if len(b) < 8 {
			d.Use = AddrInvalid
			return d
		}
		d.Use, d.Port, d.IP = AddrIP, int(binary.BigEndian.Uint16(b[2:])), netip.AddrFrom4([4]byte(b[4:8]))
		return d
	}
	switch domain {
	case unix.AF_INET:
		if op == SockConnect && fam == unix.AF_UNSPEC {
			return d // AddrNone: disconnect
		}
		return v4()
	case unix.AF_INET6:
		if op == SockConnect && fam == unix.AF_UNSPEC {
			return d
		}
		if fam == unix.AF_INET {
			return v4()
		}
		if len(b) < 24 {
			if fam == unix.AF_UNSPEC && op != SockBind {
				return d // UDPv6 ignores it; raw needs 24 bytes
			}
			d.Use = AddrInvalid
			return d
		}
		d.Use, d.Port = AddrIP, int(binary.BigEndian.Uint16(b[2:]))
		d.IP = netip.AddrFrom16([16]byte(b[8:24])).Unmap()
		return d
	}
	d.Use = AddrOther
	return d
}
