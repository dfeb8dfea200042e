// Package hostilenet is the network half of the hostile-program suite
// (issue 9): c/netattack.c attacks deny-network in every way the issue
// lists, while the test listens on 127.0.0.1 (allowed) and 127.0.0.2
// (denied) and counts the connections and datagrams that actually arrive.
// The assertion is always on arrivals: nothing reaches 127.0.0.2. Each
// attack also runs without the tracer (the baseline), to show that it does
// reach 127.0.0.2 there, and the calls the policy allows must give the
// kernel's own answers, the same as in the baseline. Every test runs as
// root and as uid 65534.
package hostilenet

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sctrace-lua/sctrace-lua/test/hostile/hostiletest"
)

func TestMain(m *testing.M) { hostiletest.Main(m) }

const policy = "deny-network:allow=127.0.0.1/32"

// counter listens on 127.0.0.1:port and 127.0.0.2:port, TCP and UDP.
type counter struct {
	port   int
	mu     sync.Mutex
	conns  [2]int
	bytes  [2]int
	dgrams [2]int
	seen   [2][]string // datagram payloads (the first 64)
	stops  []func()
}

var hosts = [2]string{"127.0.0.1", "127.0.0.2"}

func listen(t *testing.T) *counter {
	t.Helper()
	for try := 0; try < 20; try++ {
		c := &counter{}
		if c.open() == nil {
			t.Cleanup(c.close)
			return c
		}
		c.close()
	}
	t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
	return nil
}

func (c *counter) open() error {
	l0, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.port = l0.Addr().(*net.TCPAddr).Port
	ls := []net.Listener{l0}
	c.stops = append(c.stops, func() { l0.Close() })
	l1, err := net.Listen("tcp", fmt.Sprintf("127.0.0.2:%d", c.port))
	if err != nil {
		return err
	}
	ls = append(ls, l1)
	c.stops = append(c.stops, func() { l1.Close() })
	for i, l := range ls {
		go c.accept(i, l)
	}
	for i, h := range hosts {
		u, err := net.ListenPacket("udp", fmt.Sprintf("%s:%d", h, c.port))
		if err != nil {
			return err
		}
		uc := u.(*net.UDPConn)
		uc.SetReadBuffer(8 << 20)
		if raw, err := uc.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20) })
		}
		c.stops = append(c.stops, func() { u.Close() })
		go c.read(i, uc)
	}
	return nil
}

func (c *counter) close() {
	for _, f := range c.stops {
		f()
	}
}

func (c *counter) accept(i int, l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.conns[i]++
		c.mu.Unlock()
		go func() {
			defer conn.Close()
			buf := make([]byte, 4096)
			for {
				n, err := conn.Read(buf)
				c.mu.Lock()
				c.bytes[i] += n
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
}

func (c *counter) read(i int, u *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		n, _, err := u.ReadFrom(buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		c.dgrams[i]++
		if len(c.seen[i]) < 64 {
			c.seen[i] = append(c.seen[i], string(buf[:n]))
		}
		c.mu.Unlock()
	}
}

// arrived is what reached host i so far.
func (c *counter) arrived(i int) (conns, bytes, dgrams int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conns[i], c.bytes[i], c.dgrams[i]
}

// settle waits until the counts stop changing: everything a finished run
// sent is already queued in the kernel (loopback delivers at send time);
// this waits for the readers to take it.
func (c *counter) settle() {
	last := ""
	for i := 0; i < 100; i++ {
		time.Sleep(30 * time.Millisecond)
		c.mu.Lock()
		now := fmt.Sprint(c.conns, c.bytes, c.dgrams)
		c.mu.Unlock()
		if now == last {
			return
		}
		last = now
	}
}

func (c *counter) reset() {
	c.settle()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conns, c.bytes, c.dgrams, c.seen = [2]int{}, [2]int{}, [2]int{}, [2][]string{}
}

// nothingDenied fails the test for anything that reached 127.0.0.2.
func (c *counter) nothingDenied(t *testing.T) {
	t.Helper()
	c.settle()
	conns, bytes, dgrams := c.arrived(1)
	if conns+bytes+dgrams != 0 {
		c.mu.Lock()
		seen := c.seen[1]
		c.mu.Unlock()
		t.Errorf("reached the denied 127.0.0.2: %d connections, %d bytes, %d datagrams %q", conns, bytes, dgrams, seen)
	}
}

func attackBin(t *testing.T) string {
	return hostiletest.S().BuildC(t, "netattack", "test/hostile/net/c/netattack.c")
}

// users runs f as root and as uid 65534 (or as the current user).
func users(t *testing.T, f func(t *testing.T, u hostiletest.User)) {
	s := hostiletest.S()
	hostiletest.ForEachUser(t, func(t *testing.T, u hostiletest.User) {
		if u.Cred != nil && !hostiletest.Reachable(s.Dir) {
			t.Skipf("%s is not reachable by uid 65534", s.Dir)
		}
		f(t, u)
	})
}

// traced runs the attack under deny-network; baseline runs it alone.
func traced(t *testing.T, u hostiletest.User, args ...string) hostiletest.Result {
	t.Helper()
	r := hostiletest.S().Run(t, hostiletest.Opts{User: u}, append([]string{"run", "-p", policy, "--", attackBin(t)}, args...)...)
	if r.Code != 0 {
		t.Fatalf("traced %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

func baseline(t *testing.T, u hostiletest.User, args ...string) hostiletest.Result {
	t.Helper()
	r := hostiletest.S().RunCmd(t, hostiletest.Opts{User: u}, attackBin(t), args...)
	if r.Code != 0 {
		t.Fatalf("baseline %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// cases parses "case NAME RET ERRNO" lines into NAME → "RET ERRNO".
func cases(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "case" {
			m[f[1]] = f[2] + " " + f[3]
		}
	}
	return m
}

// values parses "KEY N" lines.
func values(out string) map[string]int {
	m := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			if n, err := strconv.Atoi(f[1]); err == nil {
				m[f[0]] = n
			}
		}
	}
	return m
}

func e(n syscall.Errno) string { return "-1 " + strconv.Itoa(int(n)) }

// check compares the traced cases with want; a case wanted as "base" must
// equal the baseline's (the kernel's own answer).
func check(t *testing.T, got, base map[string]string, want map[string]string) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		w := want[k]
		if w == "base" {
			w = base[k]
		}
		if got[k] != w {
			t.Errorf("case %s: got %q, want %q (baseline %q)", k, got[k], w, base[k])
		}
	}
}

// attack runs mode alone, where it must get datagrams to 127.0.0.2 (else
// the attack is void), then under the policy; the counter holds what the
// traced run delivered.
func attack(t *testing.T, u hostiletest.User, mode string) (c *counter, b, r hostiletest.Result) {
	t.Helper()
	c = listen(t)
	p := strconv.Itoa(c.port)
	b = baseline(t, u, mode, p)
	c.settle()
	if _, _, d := c.arrived(1); d == 0 {
		t.Fatalf("baseline: nothing reached 127.0.0.2 without the policy (the attack is void):\n%s", b.Stdout)
	}
	c.reset()
	return c, b, traced(t, u, mode, p)
}

// AF_UNSPEC and cross-family sockaddrs: read as the kernel reads them for
// the socket's actual family.
func TestUnspec(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c, b, r := attack(t, u, "unspec")
		check(t, cases(r.Stdout), cases(b.Stdout), map[string]string{
			"sendto_unspec_denied":     e(unix.EACCES),
			"sendto_inet_allowed":      "5 0",
			"sendmsg_unspec_denied":    e(unix.EACCES),
			"connect_inet_allowed":     "0 0",
			"connect_unspec":           "base",
			"send_after_unspec":        "base",
			"bind_unspec_any":          e(unix.EACCES),
			"tcp_connect_inet6_family": e(unix.EACCES),
			"tcp_connect_unspec":       "base",
			"v6_sendto_inet_denied":    e(unix.EACCES),
			"v6_sendto_unspec":         "base",
			"v6_sendto_mapped_denied":  e(unix.EACCES),
			"tcp_fastopen_denied":      e(unix.EACCES),
			"listen_unbound":           e(unix.EACCES),
			"listen_bound_allowed":     "0 0",
			"socket_packet":            e(unix.EAFNOSUPPORT),
			"socket_raw":               e(unix.EACCES),
			"socket_sctp":              e(unix.EPROTONOSUPPORT),
			"setsockopt_ip_options":    e(unix.EACCES),
		})
		c.nothingDenied(t)
		if _, _, d := c.arrived(0); d != 1 {
			t.Errorf("127.0.0.1 got %d datagrams, want 1 (the allowed sendto)", d)
		}
	})
}

// sendmsg and sendmmsg: every message's address is checked.
func TestMultiMessage(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c, b, r := attack(t, u, "multi")
		check(t, cases(r.Stdout), cases(b.Stdout), map[string]string{
			"sendmmsg_all_allowed":   "3 0",
			"sendmmsg_second_denied": e(unix.EACCES),
			"sendmmsg_third_unspec":  e(unix.EACCES),
			"sendmsg_allowed":        "4 0",
			"sendmsg_denied":         e(unix.EACCES),
			"sendmsg_source_route":   e(unix.EPERM),
		})
		if !strings.Contains(r.Stdout, "msg_len 2 2 2\n") {
			t.Errorf("sendmmsg's msg_len not written back:\n%s", r.Stdout)
		}
		c.nothingDenied(t)
		if _, _, d := c.arrived(0); d != 4 {
			t.Errorf("127.0.0.1 got %d datagrams, want 4", d)
		}
	})
}

// io_uring: submissions no stop sees; io_uring_setup is refused.
func TestIoUring(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c := listen(t)
		p := strconv.Itoa(c.port)
		b := baseline(t, u, "uring", p)
		c.settle()
		if cases(b.Stdout)["io_uring_setup"] != e(unix.EPERM) && cases(b.Stdout)["io_uring_setup"] != e(unix.ENOSYS) {
			if conns, _, d := c.arrived(1); conns+d == 0 {
				t.Errorf("baseline: io_uring works but nothing reached 127.0.0.2:\n%s", b.Stdout)
			}
		} else {
			t.Logf("io_uring unavailable to %s without the policy", u.Name)
		}
		c.reset()
		r := traced(t, u, "uring", p)
		if got := cases(r.Stdout)["io_uring_setup"]; got != e(unix.EPERM) {
			t.Errorf("io_uring_setup: %q, want EPERM", got)
		}
		c.nothingDenied(t)
	})
}

// Short and malformed sockaddrs get the kernel's own answers, and the
// traced tree lives on.
func TestShortSockaddr(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c := listen(t)
		p := strconv.Itoa(c.port)
		b := baseline(t, u, "short", p)
		c.reset()
		r := traced(t, u, "short", p)
		want := map[string]string{}
		for k := range cases(b.Stdout) {
			want[k] = "base"
		}
		if len(want) != 13 {
			t.Fatalf("baseline has %d cases:\n%s", len(want), b.Stdout)
		}
		check(t, cases(r.Stdout), cases(b.Stdout), want)
		if got := cases(r.Stdout)["connect_4"]; got != e(unix.EINVAL) {
			t.Errorf("connect with a 4-byte sockaddr: %q, want EINVAL", got)
		}
		c.nothingDenied(t)
		if _, _, d := c.arrived(0); d != 1 {
			t.Errorf("127.0.0.1 got %d datagrams, want 1", d)
		}
	})
}

// A thread flips the address between 127.0.0.1 and 127.0.0.2 while the
// other calls; for fdswap it swaps the fd between a unix socket (left
// alone) and a UDP one. Every call succeeds or is refused on what the
// tracer read, and what it read is what the kernel used: nothing arrives
// at 127.0.0.2, and 127.0.0.1 gets exactly the calls that succeeded.
func TestRace(t *testing.T) {
	const n = 10000
	users(t, func(t *testing.T, u hostiletest.User) {
		c := listen(t)
		p := strconv.Itoa(c.port)
		for _, kind := range []string{"sendto", "sendmsg", "udpconnect", "tcp", "fdswap"} {
			t.Run(kind, func(t *testing.T) {
				c.reset()
				r := traced(t, u, "race", kind, strconv.Itoa(n), p)
				v := values(r.Stdout)
				// fdswap: a unix address on the UDP socket or the other
				// way round fails (EAFNOSUPPORT, EINVAL): "other"
				if v["ok"]+v["refused"]+v["other"] != n || (kind != "fdswap" && v["other"] != 0) {
					t.Errorf("counts %v, want %d calls, none failing otherwise:\n%s", v, n, r.Stdout)
				}
				if v["refused"] == 0 {
					t.Errorf("no call was refused: the flipping thread never showed 127.0.0.2 (%v)", v)
				}
				c.nothingDenied(t)
				conns, _, d := c.arrived(0)
				switch kind {
				case "tcp":
					if conns != v["ok"] {
						t.Errorf("127.0.0.1 accepted %d connections, %d connects succeeded", conns, v["ok"])
					}
				case "fdswap":
					if d > v["ok"] {
						t.Errorf("127.0.0.1 got %d datagrams, more than the %d sends that succeeded", d, v["ok"])
					}
				default:
					if d != v["ok"] {
						t.Errorf("127.0.0.1 got %d datagrams, %d calls succeeded", d, v["ok"])
					}
				}
				t.Logf("%s: %v", kind, v)
			})
		}
		// The same race against a policy that checks the address in memory
		// and lets the tracee's call run (advisory): a measure of what
		// emulation closes, logged, not asserted (a race).
		if u.Name == "root" || u.Name == "self" {
			dir := hostiletest.S().Scratch(t, u)
			pol := filepath.Join(dir, "advisory.lua")
			os.WriteFile(pol, []byte(advisory), 0o644)
			c.reset()
			r := hostiletest.S().Run(t, hostiletest.Opts{User: u}, "run", "-p", pol, "--", attackBin(t), "race", "sendto", strconv.Itoa(n), p)
			c.settle()
			_, _, d := c.arrived(1)
			t.Logf("advisory check (inspect, then let the tracee call): %d of %d sendtos reached 127.0.0.2 (%s)", d, n, strings.TrimSpace(strings.ReplaceAll(r.Stdout, "\n", " ")))
		}
	})
}

const advisory = `return {
  description = "inspects the sockaddr, lets the tracee make the call",
  guarantees = {{what = "advisory", by = "inspected", calls = {"sendto"}}},
  rules = function(rule) rule:trace("sendto", 0) end,
  on_syscall = function(call)
    local sa = call:sockaddr(5, 6)
    if sa and sa.addr == "127.0.0.2" then return {"errno", "EACCES"} end
  end,
}
`

// A connect held on a full backlog stalls no other tracee: B makes 400
// calls while A waits, and A completes only after B is done (the program
// frees the backlog then). K, SIGKILLed while held, breaks nothing.
func TestSlowConnect(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c := listen(t)
		r := traced(t, u, "slow", strconv.Itoa(c.port))
		out := r.Stdout
		bi, ai := strings.Index(out, "B done 400\n"), strings.Index(out, "A connect 0 0\n")
		if bi < 0 || ai < 0 || bi > ai || !strings.Contains(out, "K killed 9\n") || !strings.Contains(out, "A exit 0\n") {
			t.Errorf("want K killed, then B done with 400 calls, then A's connect succeeding:\n%s\nstderr:\n%s", out, r.Stderr)
		}
		c.nothingDenied(t)
		if conns, _, d := c.arrived(0); conns != 200 || d != 200 {
			t.Errorf("127.0.0.1 got %d connections and %d datagrams, want 200 and 200", conns, d)
		}
	})
}

// A non-blocking connect returns EINPROGRESS and then completes.
func TestNonBlockingConnect(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		c := listen(t)
		r := traced(t, u, "nonblock", strconv.Itoa(c.port))
		check(t, cases(r.Stdout), nil, map[string]string{
			"nb_connect":        e(unix.EINPROGRESS),
			"nb_send":           "5 0",
			"nb_connect_denied": e(unix.EACCES),
		})
		if !strings.Contains(r.Stdout, "so_error 0\n") {
			t.Errorf("the connection did not complete:\n%s", r.Stdout)
		}
		c.nothingDenied(t)
		if conns, bytes, _ := c.arrived(0); conns != 1 || bytes != 5 {
			t.Errorf("127.0.0.1 got %d connections and %d bytes, want 1 and 5", conns, bytes)
		}
	})
}

// Signals reach a thread held in an emulated connect: an SA_RESTART
// handler runs and the connect goes on, SO_SNDTIMEO ends it with
// EINPROGRESS, SIGTERM ends the process; the same as without the tracer.
func TestSignalWhileHeld(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		b := baseline(t, u, "signal")
		r := traced(t, u, "signal")
		check(t, cases(r.Stdout), cases(b.Stdout), map[string]string{
			"connect_sndtimeo":  e(unix.EINPROGRESS),
			"connect_restarted": "0 0",
		})
		for _, want := range []string{"alarm\n", "alarms 1\n", "term 15\n"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("traced output lacks %q:\n%s\nbaseline:\n%s", want, r.Stdout, b.Stdout)
			}
		}
	})
}

// Unix sockets are left alone: in a multi-threaded program (shared fd
// table) they are emulated, and behave as without the tracer: a relative
// path resolves in the program's directory, its umask makes the socket
// file, SCM_RIGHTS passes a working descriptor, the peer has the program's
// uid.
func TestUnixLeftAlone(t *testing.T) {
	users(t, func(t *testing.T, u hostiletest.User) {
		s := hostiletest.S()
		d1, d2 := s.Scratch(t, u), s.Scratch(t, u)
		b := baseline(t, u, "unix", d1)
		r := traced(t, u, "unix", d2)
		for _, want := range []string{"case bind_relative 0 0\n", "mode 700\n", "case connect_relative 0 0\n",
			"peer_uid_is_mine 1\n", "case sendmsg_rights 1 0\n", "rights via\n"} {
			if !strings.Contains(b.Stdout, want) {
				t.Fatalf("baseline lacks %q:\n%s", want, b.Stdout)
			}
		}
		if r.Stdout != b.Stdout {
			t.Errorf("traced:\n%s\nwithout the tracer:\n%s", r.Stdout, b.Stdout)
		}
		for _, f := range []string{"d", "s"} {
			if _, err := os.Stat(filepath.Join(d2, f)); err != nil {
				t.Errorf("socket file %s not made in the program's directory: %v", f, err)
			}
		}
	})
}
