package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Emulation: the tracer performs a socket call itself, on its own copy of
// the tracee's fd (pidfd_getfd) with its own copy of the arguments (the
// SockCall snapshot the handler's readers saw, and the data and control
// messages read once, here), then skips the tracee's call with the
// kernel's answer. Nothing the tracee's other threads write after the
// check can reach the kernel: the check and the call use the same bytes
// and the same open socket.
//
// A call that cannot block runs at once on the tracer thread: bind on an
// IP socket, connect on a datagram one, and a send on a non-blocking
// socket or with MSG_DONTWAIT (which the emulated send then passes, so a
// tracee that clears O_NONBLOCK meanwhile cannot stall the tracer). Any
// other call the tracer thread makes for at most holdGrace, then holds it
// (held.go): it is made again on its own goroutine while the caller stays
// in its seccomp stop, so a slow connect stalls no other tracee. See README "Emulated calls" for what differs from the tracee
// making the call.

// Answers the tracer gives itself rather than the kernel:
const (
	// errnoNotEmulated: the tracer cannot make the call as the tracee
	// would: a socket of a family other than IP, unix or netlink; a unix
	// or netlink socket of a tracee whose credentials differ from the
	// tracer's; a unix path for a tracee with another root directory or
	// mount namespace.
	errnoNotEmulated = unix.EPERM
	// payloadMax bounds the data one emulated send copies: a stream send
	// of more is a short write of payloadMax bytes; a datagram larger
	// than that (the kernel's UDP limit is 64 KiB) fails with EMSGSIZE.
	payloadMax = 1 << 20
	// controlMax bounds control data (the kernel's optmem_max is 20 KiB):
	// more fails with ENOBUFS, as the kernel's own allocation would.
	controlMax = 1 << 16
)

// holdGrace is how long the tracer thread itself makes an emulated call
// that may block before holding it (emulate.go): a bounded pause for the
// other tracees, in exchange for no goroutine and no mailbox round trip
// (a signal and two wake-ups) for a quick call. With GOMAXPROCS=1 the
// timer that ends it can fire up to the Go runtime's sysmon period (10 ms)
// late.
const holdGrace = 300 * time.Microsecond

// Emulate performs the stop's socket call in the tracer and returns the
// decision that skips the tracee's call with the kernel's result: at once
// (Return or Fail) when the call cannot block, else a Hold. Failures of
// the call itself are results, not errors: a bad fd is EBADF, a file that
// is not a socket ENOTSOCK, an unreadable address EFAULT, as the kernel
// would answer. The error is for a syscall that is no socket call.
func (s *Stop) Emulate() (Decision, error) {
	sc, err := s.SockCall()
	if err != nil {
		return Decision{}, err
	}
	j, d := s.prepare(sc)
	if j == nil {
		return s.settled(d)
	}
	if j.inline {
		ret := j.call()
		j.after(ret)
		j.release()
		return s.settled(result(ret))
	}
	if j.tryFirst {
		// a datagram that can go at once goes the same with MSG_DONTWAIT
		j.flags |= unix.MSG_DONTWAIT
		ret := j.call()
		j.flags &^= unix.MSG_DONTWAIT
		if ret != -int64(unix.EAGAIN) {
			j.after(ret)
			j.release()
			return s.settled(result(ret))
		}
	}
	if j.fs == nil && !j.sndtimeo {
		// Most blocking calls are quick (a loopback connect): make it
		// here, interrupted after holdGrace; only a call still blocked
		// then is held, and made again on its own goroutine, where it
		// goes on (a connect waits for the same connection; an
		// interrupted send had sent nothing). Not with SO_SNDTIMEO: the
		// kernel ends an interrupted call with a timeout (EINTR), and
		// the call made again would answer EALREADY at the timeout.
		var w interruptible
		if ret, timedOut := w.runFor(j.call, holdGrace); !timedOut {
			j.after(ret)
			j.release()
			return s.settled(result(ret))
		}
	}
	return Decision{Verdict: Hold, Later: j}, nil
}

// settled runs the handler's on-return function for an immediate result.
func (s *Stop) settled(d Decision) (Decision, error) {
	ret := d.Value
	if d.Verdict == Fail {
		ret = -d.Value
	}
	ret, err := s.settle(ret)
	if err != nil {
		return Decision{}, err
	}
	return result(ret), nil
}

func result(ret int64) Decision {
	if ret < 0 {
		return Decision{Verdict: Fail, Value: -ret}
	}
	return Decision{Verdict: Return, Value: ret}
}

func fail(e unix.Errno) Decision { return Decision{Verdict: Fail, Value: int64(e)} }

func errnoOf(err error, def unix.Errno) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return def
}

// sockJob is one emulated call with everything it needs copied.
type sockJob struct {
	op       SockOp
	fd       int // the tracer's copy; closed by release
	flags    int
	tgid     int
	tid      int
	t        *trace // for takeFd, on the tracer thread only (prepare)
	inline   bool
	tryFirst bool // a datagram send tried with MSG_DONTWAIT before holding
	domain   int
	ident    int8       // sameIdentity: 0 not known yet, 1 same, -1 differs
	fs       *fsContext // a unix call resolving paths in the tracee's directories
	passed   []int      // the tracer's copies of fds passed with SCM_RIGHTS
	sndtimeo bool       // SO_SNDTIMEO set: an interrupted call fails EINTR
	sigpipe  bool       // the tracee did not pass MSG_NOSIGNAL
	msgs     []jobMsg
	vec      uint64   // sendmmsg: where to write each msg_len back
	sent     []uint32 // sendmmsg: the msg_len of each message sent
}

type jobMsg struct {
	name    []byte // nil: no address
	data    []byte
	control []byte
}

// prepare copies everything the call needs. It returns the job, or nil
// and the answer when the call fails before reaching the socket.
func (s *Stop) prepare(sc *SockCall) (*sockJob, Decision) {
	if sc.Err != nil {
		return nil, fail(errnoOf(sc.Err, unix.EFAULT))
	}
	if (sc.Op == SockConnect || sc.Op == SockBind || sc.Op == SockSendto || sc.Op == SockSendmsg) && sc.Msgs[0].Err != nil {
		return nil, fail(errnoOf(sc.Msgs[0].Err, unix.EINVAL))
	}
	si, err := s.socket(sc.Fd, false)
	if err != nil {
		return nil, fail(errnoOf(err, unix.ENOTSOCK))
	}
	c, err := s.keepCopy(sc.Fd)
	if err != nil {
		return nil, fail(errnoOf(err, unix.EBADF))
	}
	j := &sockJob{op: sc.Op, fd: c, flags: sc.Flags, tgid: s.Pid, tid: s.Tid, vec: sc.vec, t: s.t}
	j.domain = si.Domain
	switch si.Domain {
	case unix.AF_INET, unix.AF_INET6:
	case unix.AF_UNIX, unix.AF_NETLINK:
		// the peer sees the caller's credentials (SO_PEERCRED,
		// SCM_CREDENTIALS) and unix paths resolve in its directories
		if !j.sameIdentity() {
			j.release()
			return nil, fail(errnoNotEmulated)
		}
		if si.Domain == unix.AF_UNIX {
			if e := j.unixPaths(sc); e != 0 {
				j.release()
				return nil, fail(e)
			}
		}
	default:
		j.release()
		return nil, fail(errnoNotEmulated)
	}
	if d, ok := j.privileged(sc, si); !ok {
		j.release()
		return nil, d
	}
	stream := si.Type == unix.SOCK_STREAM
	send := sc.Op == SockSendto || sc.Op == SockSendmsg || sc.Op == SockSendmmsg
	if send {
		if j.flags&unix.MSG_ZEROCOPY != 0 {
			if on, _ := unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_ZEROCOPY); on != 0 {
				// the kernel would keep using the tracer's buffer after
				// the call and report completion on the error queue
				j.release()
				return nil, fail(unix.EINVAL)
			}
			j.flags &^= unix.MSG_ZEROCOPY
		}
		j.sigpipe = j.flags&unix.MSG_NOSIGNAL == 0
		if si.NonBlock {
			j.flags |= unix.MSG_DONTWAIT
		}
		if d, ok := j.copyData(s, sc, stream); !ok {
			j.release()
			return nil, d
		}
	} else {
		j.msgs = []jobMsg{{name: sc.Msgs[0].Name}}
	}
	switch {
	case j.fs != nil:
		j.inline = false // on a thread of its own (unixfs.go)
	case sc.Op == SockBind:
		j.inline = si.Domain != unix.AF_UNIX // a unix bind makes a file
	case sc.Op == SockConnect:
		j.inline = si.Domain != unix.AF_UNIX && (si.Type == unix.SOCK_DGRAM || si.Type == unix.SOCK_RAW)
	default:
		j.inline = j.flags&unix.MSG_DONTWAIT != 0
		j.tryFirst = !j.inline && !stream && sc.Op != SockSendmmsg
	}
	if !j.inline {
		if tv, err := unix.GetsockoptTimeval(c, unix.SOL_SOCKET, unix.SO_SNDTIMEO); err == nil {
			j.sndtimeo = tv.Sec != 0 || tv.Usec != 0
		}
	}
	return j, Decision{}
}

// privileged refuses what the kernel checks against the caller's
// privileges, which for an emulated call are the tracer's: binding a port
// below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE, and a root
// tracer must not lend it to a tracee that lacks it.
func (j *sockJob) privileged(sc *SockCall, si SocketInfo) (Decision, bool) {
	if sc.Op != SockBind {
		return Decision{}, true
	}
	d := sc.Msgs[0].Dest(SockBind, si.Domain)
	if d.Use != AddrIP || d.Port == 0 || d.Port >= unprivilegedPortStart() || j.sameIdentity() {
		return Decision{}, true
	}
	if !hasCap(j.tgid, j.tid, unix.CAP_NET_BIND_SERVICE) {
		return fail(unix.EACCES), false
	}
	return Decision{}, true
}

// copyData reads the data and control messages of a send.
func (j *sockJob) copyData(s *Stop, sc *SockCall, stream bool) (Decision, bool) {
	budget := payloadMax
	switch sc.Op {
	case SockSendto:
		data, d, ok := readData(s.Tid, [][2]uint64{{sc.buf, sc.bufLen}}, &budget, stream)
		if !ok {
			return d, false
		}
		j.msgs = []jobMsg{{name: sc.Msgs[0].Name, data: data}}
		return Decision{}, true
	}
	for i, m := range sc.Msgs {
		jm, d, ok := j.copyMsg(s.Tid, m, &budget, stream)
		if !ok {
			if i > 0 && sc.Op == SockSendmmsg {
				break // the kernel sends the messages before a bad one
			}
			return d, false
		}
		j.msgs = append(j.msgs, jm)
		if budget == 0 {
			break
		}
	}
	if len(j.msgs) == 0 {
		return result(0), false // sendmmsg with vlen 0
	}
	return Decision{}, true
}

func (j *sockJob) copyMsg(tid int, m SockMsg, budget *int, stream bool) (jobMsg, Decision, bool) {
	if m.Err != nil {
		return jobMsg{}, fail(errnoOf(m.Err, unix.EINVAL)), false
	}
	jm := jobMsg{name: m.Name}
	var iovs [][2]uint64
	if m.iovLen > 0 {
		raw := make([]byte, 16*m.iovLen)
		if _, err := readFull(tid, m.iov, raw); err != nil {
			return jm, fail(errnoOf(memErr(err), unix.EFAULT)), false
		}
		for i := uint64(0); i < m.iovLen; i++ {
			iovs = append(iovs, [2]uint64{binary.NativeEndian.Uint64(raw[16*i:]), binary.NativeEndian.Uint64(raw[16*i+8:])})
		}
	}
	data, d, ok := readData(tid, iovs, budget, stream)
	if !ok {
		return jm, d, false
	}
	jm.data = data
	if m.controlLen > 0 {
		if m.controlLen > controlMax {
			return jm, fail(unix.ENOBUFS), false
		}
		ctl := make([]byte, m.controlLen)
		if _, err := readFull(tid, m.control, ctl); err != nil {
			return jm, fail(errnoOf(memErr(err), unix.EFAULT)), false
		}
		if e := j.checkControl(ctl); e != 0 {
			return jm, fail(e), false
		}
		jm.control = ctl
	}
	return jm, Decision{}, true
}

// readData gathers the iovecs into one buffer, at most *budget bytes; a
// stream send keeps what fits (a short write), a datagram that does not
// fit fails with EMSGSIZE. Unreadable memory ends a stream's data (EFAULT
// if none was read) and fails a datagram with EFAULT.
func readData(tid int, iovs [][2]uint64, budget *int, stream bool) ([]byte, Decision, bool) {
	var total uint64
	for _, v := range iovs {
		if v[1] > 1<<62 || total+v[1] < total {
			return nil, fail(unix.EINVAL), false
		}
		total += v[1]
	}
	if !stream && total > uint64(*budget) {
		return nil, fail(unix.EMSGSIZE), false
	}
	n := min(total, uint64(*budget))
	buf := make([]byte, n)
	off := uint64(0)
	for _, v := range iovs {
		if off == n {
			break
		}
		want := min(v[1], n-off)
		if want == 0 {
			continue
		}
		got, err := readMemory(tid, v[0], buf[off:off+want])
		off += uint64(got)
		if err != nil || uint64(got) < want {
			if !stream || off == 0 {
				return nil, fail(errnoOf(memErr(err), unix.EFAULT)), false
			}
			break
		}
	}
	*budget -= int(off)
	return buf[:off], Decision{}, true
}

// Control messages an emulated send on an IP socket passes on when the
// tracee's credentials differ from the tracer's: none of them is checked
// against the sender's privileges, which for an emulated call are the
// tracer's; any other fails with EPERM then. On an IP socket SCM_RIGHTS
// and SCM_CREDENTIALS fail with EINVAL, the kernel's own answer. On unix
// and netlink sockets (emulated only for a tracee with the tracer's
// credentials) every control message passes, SCM_RIGHTS with the tracee's
// fds replaced by the tracer's copies of them, SCM_CREDENTIALS naming the
// tracee's pid with the tracer's (the kernel checks it against the sender).
var passedControl = map[[2]int32]bool{
	{unix.SOL_IP, unix.IP_TOS}: true, {unix.SOL_IP, unix.IP_TTL}: true, {unix.SOL_IP, unix.IP_PKTINFO}: true,
	{unix.SOL_IPV6, unix.IPV6_PKTINFO}: true, {unix.SOL_IPV6, unix.IPV6_HOPLIMIT}: true,
	{unix.SOL_IPV6, unix.IPV6_TCLASS}: true, {unix.SOL_IPV6, unix.IPV6_DONTFRAG}: true,
	{unix.SOL_UDP, unix.UDP_SEGMENT}: true,
}

// sourceRoute: control messages that send a packet through other hops
// first (IP options, IPv6 routing headers, a next hop): the address the
// handler checked would not be where the packet goes. An emulated send
// with one fails with EPERM, whatever the credentials.
var sourceRoute = map[[2]int32]bool{
	{unix.SOL_IP, unix.IP_RETOPTS}: true, {unix.SOL_IPV6, unix.IPV6_2292RTHDR}: true,
	{unix.SOL_IPV6, unix.IPV6_2292PKTOPTIONS}: true, {unix.SOL_IPV6, unix.IPV6_NEXTHOP}: true,
	{unix.SOL_IPV6, unix.IPV6_RTHDR}: true, {unix.SOL_IPV6, unix.IPV6_2292HOPOPTS}: true,
	{unix.SOL_IPV6, unix.IPV6_HOPOPTS}: true, {unix.SOL_IPV6, unix.IPV6_RTHDRDSTOPTS}: true,
}

// checkControl walks control data as the kernel does (for_each_cmsghdr,
// CMSG_OK) and returns the errno that refuses it, 0 to pass it on.
func (j *sockJob) checkControl(b []byte) unix.Errno {
	const hdr = 16
	ip := j.domain == unix.AF_INET || j.domain == unix.AF_INET6
	for off := 0; len(b)-off >= hdr; {
		l := binary.NativeEndian.Uint64(b[off:])
		level := int32(binary.NativeEndian.Uint32(b[off+8:]))
		typ := int32(binary.NativeEndian.Uint32(b[off+12:]))
		if l < hdr || l > uint64(len(b)-off) {
			return unix.EINVAL
		}
		scm := level == unix.SOL_SOCKET && (typ == unix.SCM_RIGHTS || typ == unix.SCM_CREDENTIALS)
		switch {
		case ip && scm:
			return unix.EINVAL
		case ip && sourceRoute[[2]int32{level, typ}]:
			return unix.EPERM
		case ip:
			if !passedControl[[2]int32{level, typ}] && !j.sameIdentity() {
				return unix.EPERM
			}
		case scm:
			if e := j.translate(typ, b[off+hdr:off+int(l)]); e != 0 {
				return e
			}
		}
		next := (l + 7) &^ 7
		if next > uint64(len(b)-off) {
			break
		}
		off += int(next)
	}
	return 0
}

// call makes the syscall once on the tracer's copy; the result is the raw
// return value (negative errno on failure). The tracer always passes
// MSG_NOSIGNAL (a SIGPIPE would hit the tracer); after sends it raises the
// tracee's SIGPIPE itself.
func (j *sockJob) call() int64 {
	var one [1]byte
	name := func(m *jobMsg) (uintptr, uintptr) {
		if m.name == nil {
			return 0, 0
		}
		if len(m.name) == 0 {
			return uintptr(unsafe.Pointer(&one[0])), 0
		}
		return uintptr(unsafe.Pointer(&m.name[0])), uintptr(len(m.name))
	}
	ptr := func(b []byte) uintptr {
		if len(b) == 0 {
			return uintptr(unsafe.Pointer(&one[0]))
		}
		return uintptr(unsafe.Pointer(&b[0]))
	}
	if j.fs != nil {
		if e := j.fs.enter(); e != 0 {
			return -int64(e)
		}
	}
	flags := uintptr(j.flags | unix.MSG_NOSIGNAL)
	var r uintptr
	var e unix.Errno
	switch j.op {
	case SockConnect, SockBind:
		nr := uintptr(unix.SYS_CONNECT)
		if j.op == SockBind {
			nr = unix.SYS_BIND
		}
		p, l := name(&j.msgs[0])
		r, _, e = unix.Syscall(nr, uintptr(j.fd), p, l)
	case SockSendto:
		m := &j.msgs[0]
		p, l := name(m)
		r, _, e = unix.Syscall6(unix.SYS_SENDTO, uintptr(j.fd), ptr(m.data), uintptr(len(m.data)), flags, p, l)
	case SockSendmsg:
		var h unix.Msghdr
		var iov unix.Iovec
		j.msghdr(&j.msgs[0], &h, &iov)
		r, _, e = unix.Syscall(unix.SYS_SENDMSG, uintptr(j.fd), uintptr(unsafe.Pointer(&h)), flags)
		runtime.KeepAlive(&iov)
	case SockSendmmsg:
		hs := make([]mmsghdr, len(j.msgs))
		iovs := make([]unix.Iovec, len(j.msgs))
		for i := range j.msgs {
			j.msghdr(&j.msgs[i], &hs[i].hdr, &iovs[i])
		}
		r, _, e = unix.Syscall6(unix.SYS_SENDMMSG, uintptr(j.fd), uintptr(unsafe.Pointer(&hs[0])), uintptr(len(hs)), flags, 0, 0)
		if e == 0 {
			j.sent = make([]uint32, int(r))
			for i := range j.sent {
				j.sent[i] = hs[i].len
			}
		}
		runtime.KeepAlive(iovs)
	}
	runtime.KeepAlive(j)
	if e != 0 {
		return -int64(e)
	}
	return int64(r)
}

type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

func (j *sockJob) msghdr(m *jobMsg, h *unix.Msghdr, iov *unix.Iovec) {
	if m.name != nil && len(m.name) > 0 {
		h.Name = &m.name[0]
		h.Namelen = uint32(len(m.name))
	}
	if len(m.data) > 0 {
		iov.Base = &m.data[0]
		iov.SetLen(len(m.data))
		h.Iov = iov
		h.SetIovlen(1)
	}
	if len(m.control) > 0 {
		h.Control = &m.control[0]
		h.SetControllen(len(m.control))
	}
}

// after does what the kernel's call would have done to the tracee besides
// returning: sendmmsg's msg_len of each message sent, SIGPIPE on EPIPE.
// Precondition: the thread is still in its seccomp stop.
func (j *sockJob) after(ret int64) {
	if j.op == SockSendmmsg && ret > 0 {
		for i, n := range j.sent {
			var b [4]byte
			binary.NativeEndian.PutUint32(b[:], n)
			writeMemory(j.tid, j.vec+uint64(i)*mmsghdrSize+msghdrSize, b[:])
		}
	}
	if ret == -int64(unix.EPIPE) && j.sigpipe && j.op != SockConnect && j.op != SockBind {
		unix.Tgkill(j.tgid, j.tid, unix.SIGPIPE)
	}
}

// release closes the tracer's copies of the fds.
func (j *sockJob) release() {
	if j.fd >= 0 {
		unix.Close(j.fd)
		j.fd = -1
	}
	for _, c := range j.passed {
		unix.Close(c)
	}
	j.passed = nil
	if j.fs != nil {
		j.fs.close()
	}
}

// Run is the held path: the call runs on this goroutine's own OS thread
// and is interrupted (see interruptible) when a signal becomes pending for
// the tracee's thread, or when the hold is abandoned.
func (j *sockJob) Run(abandon <-chan struct{}) Decision {
	defer j.release()
	var w interruptible
	w.keep = j.fs != nil // the OS thread entered the tracee's directories
	ret, why := w.run(j.call, j.tgid, j.tid, abandon)
	if why == whyAbandon {
		return Decision{} // dropped: the thread is not there to see it
	}
	if ret == -int64(unix.EINTR) && why == whySignal {
		if j.sndtimeo {
			return fail(unix.EINTR) // sock_intr_errno with a timeout
		}
		return Decision{Verdict: Restart}
	}
	j.after(ret)
	return result(ret)
}

// writeMemory writes b into tracee memory at addr.
func writeMemory(tid int, addr uint64, b []byte) error {
	local := []unix.Iovec{{Base: &b[0], Len: uint64(len(b))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(b)}}
	n, err := unix.ProcessVMWritev(tid, local, remote, 0)
	if err == nil && n < len(b) {
		err = unix.EFAULT
	}
	if err != nil {
		return fmt.Errorf("writing memory of %d at %#x: %w", tid, addr, err)
	}
	return nil
}
