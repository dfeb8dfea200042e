package decode

import (
	"encoding/binary"
	"testing"
)

// fuzzMem is memory where every non-NULL address reads the fuzz input,
// cyclically from an address-dependent offset; some reads come up short.
type fuzzMem struct{ data []byte }

func (m fuzzMem) at(addr uint64) int { return int(addr % uint64(len(m.data))) }

func (m fuzzMem) ReadMemory(addr uint64, b []byte) (int, error) {
	if addr == 0 || len(m.data) == 0 || addr%97 == 1 {
		return 0, errFault
	}
	n := len(b)
	if addr%13 == 5 {
		n /= 2
	}
	for i, o := 0, m.at(addr); i < n; i++ {
		b[i] = m.data[(o+i)%len(m.data)]
	}
	return n, nil
}

func (m fuzzMem) ReadString(addr uint64, max int) (string, bool, error) {
	if addr == 0 || len(m.data) == 0 || addr%97 == 1 {
		return "", false, errFault
	}
	var out []byte
	for i, o := 0, m.at(addr); i < max; i++ {
		c := m.data[(o+i)%len(m.data)]
		if c == 0 {
			return string(out), false, nil
		}
		out = append(out, c)
	}
	return string(out), true, nil
}

func (m fuzzMem) FdPath(fd int) (string, error) {
	if fd%3 != 0 {
		return "", errFault
	}
	return string(m.data), nil
}

func (m fuzzMem) Cwd() (string, error) { return string(m.data), nil }

// FuzzDecode decodes any syscall with any arguments, memory and return
// value: it must never panic, and the line must start with the name.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"openat", "read", "connect", "execve", "clone", "futex", "ioctl", "fcntl", "recvmsg", "ppoll", "rt_sigaction", "wait4", "statx", "mmap", "socket", "getsockopt"} {
		if nr, ok := Number(name); ok {
			f.Add(uint16(nr), int64(0), []byte("/etc/passwd\x00\x02\x00\x00\x50\x7f\x00\x00\x01"), uint8(32))
			f.Add(uint16(nr), int64(-2), []byte{}, uint8(0))
			f.Add(uint16(nr), int64(64), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0x10}, uint8(3))
		}
	}
	f.Fuzz(func(t *testing.T, nr uint16, ret int64, data []byte, strsize uint8) {
		var args [6]uint64
		for i := range args {
			if len(data) >= 8*(i+1) {
				args[i] = binary.NativeEndian.Uint64(data[8*i:])
			} else if len(data) > i {
				args[i] = uint64(data[i])
			}
		}
		o := Options{StrSize: int(strsize), FdPaths: strsize%2 == 1, Verbose: strsize%4 >= 2, Hex: HexMode(strsize / 4 % 4)}
		mem := fuzzMem{data}
		c := Decode(int(nr), args, mem, o)
		entry := c.Format()
		c.Exit(ret, mem, o)
		line := c.Format()
		if len(entry) < len(c.Name) || line[:len(c.Name)] != c.Name {
			t.Fatalf("line %q does not start with %q", line, c.Name)
		}
		_ = c.ArgsText()
		_ = c.RetText()
	})
}

// Every signature decodes without panicking over a spread of memories and
// return values (a deterministic sweep the fuzzer extends).
func TestEverySyscallSurvivesGarbage(t *testing.T) {
	mems := []Memory{nil, fuzzMem{[]byte{0}}, fuzzMem{[]byte{0xff}}, fuzzMem{[]byte("\x10\x00\x00\x00\x00\x00\x00\x00abc")}, newMem()}
	argSets := [][6]uint64{{}, {1, 2, 3, 4, 5, 6}, {^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}, {0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000}}
	rets := []int64{0, 1, 40, -1, -512, 1 << 40, -1 << 62}
	for _, s := range syscallTable {
		for _, m := range mems {
			for _, a := range argSets {
				for _, ret := range rets {
					o := Options{FdPaths: ret%2 == 0, StrSize: 4, Verbose: ret%3 == 0, Hex: HexMode(ret & 3)}
					c := Decode(s.nr, a, m, o)
					c.Exit(ret, m, o)
					if c.Format() == "" {
						t.Fatalf("%s: empty line", s.name)
					}
				}
			}
		}
	}
}
