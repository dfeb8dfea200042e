package decode

import "testing"

// descMem describes descriptors as engine/strace's describer would.
type descMem struct {
	*fakeMem
	texts map[int]string
}

func (m descMem) DescribeFd(fd int, _ string) (string, bool) {
	t, ok := m.texts[fd]
	return t, ok
}

// Lines as strace 6.1 -yy prints them (net-yy-inet, and by hand for the
// device and the pidfd).
func TestFdDetails(t *testing.T) {
	m := newMem()
	m.fds[3] = "socket:[13096]"
	m.fds[4] = "socket:[13097]"
	m.fds[5] = "/dev/null"
	m.fds[6] = "anon_inode:[pidfd]"
	m.fds[7] = "/etc/passwd"
	m.fds[8] = "/dev/<odd>"
	mem := descMem{m, map[int]string{3: "TCP:[127.0.0.1:55207]", 5: "char 1:3", 6: "pid:1234", 8: "block 8:1"}}
	sig := byName()["close"]
	for _, c := range []struct {
		fd   uint64
		o    Options
		want string
	}{
		{3, Options{FdPaths: true, FdDetails: FdAll}, "close(3<TCP:[127.0.0.1:55207]>)"},
		{4, Options{FdPaths: true, FdDetails: FdAll}, "close(4<socket:[13097]>)"}, // nothing known: the path
		{5, Options{FdPaths: true, FdDetails: FdAll}, "close(5</dev/null<char 1:3>>)"},
		{6, Options{FdPaths: true, FdDetails: FdAll}, "close(6<pid:1234>)"},
		{7, Options{FdPaths: true, FdDetails: FdAll}, "close(7</etc/passwd>)"},
		{8, Options{FdPaths: true, FdDetails: FdAll}, `close(8</dev/\74odd\76<block 8:1>>)`},
		{3, Options{FdPaths: true}, "close(3<socket:[13096]>)"}, // -y alone
		{7, Options{FdDetails: FdSockets}, "close(7)"},          // sockets only
		{3, Options{FdDetails: FdSockets}, "close(3<TCP:[127.0.0.1:55207]>)"},
		{5, Options{FdPaths: true, FdDetails: FdSockets}, "close(5</dev/null>)"},
	} {
		call := Decode(sig.nr, [6]uint64{c.fd}, mem, c.o)
		if got := call.CallText(); got != c.want {
			t.Errorf("fd %d %+v: got %s, want %s", c.fd, c.o, got, c.want)
		}
	}
	// a Memory that cannot describe: -yy falls back to the paths
	call := Decode(sig.nr, [6]uint64{3}, m, Options{FdPaths: true, FdDetails: FdAll})
	if got := call.CallText(); got != "close(3<socket:[13096]>)" {
		t.Errorf("no describer: %s", got)
	}
}
