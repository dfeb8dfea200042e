package strace

import (
	"encoding/binary"
	"strconv"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
)

// dump writes -e read= / -e write= hex dumps of the data a successful
// call moved, after its line, as strace's dumpio does.
func (t *tracer) dump(s *engine.Stop, c *decode.Call, ret int64) {
	if len(c.Args) == 0 {
		return
	}
	fd := int64(int32(c.Raw[0]))
	if fd < 0 {
		return
	}
	isRead := t.o.AllRead || t.o.ReadFds[int(fd)]
	isWrite := t.o.AllWrite || t.o.WriteFds[int(fd)]
	w := t.out(s.Tid)
	switch c.Name {
	case "read", "pread64", "recvfrom":
		if isRead && ret >= 0 {
			dumpBuf(w, s, s.Tid, c.Raw[1], uint64(ret))
		}
	case "write", "pwrite64", "sendto":
		if isWrite {
			dumpBuf(w, s, s.Tid, c.Raw[1], c.Raw[2])
		}
	case "readv", "preadv", "preadv2":
		if isRead && ret >= 0 {
			t.dumpIov(w, s, c.Raw[1], c.Raw[2], uint64(ret))
		}
	case "writev", "pwritev", "pwritev2":
		if isWrite {
			t.dumpIov(w, s, c.Raw[1], c.Raw[2], ^uint64(0))
		}
	}
}

type byteWriter interface{ Write([]byte) (int, error) }

// memReader is the tracee's memory (*engine.Stop).
type memReader interface {
	ReadMemory(addr uint64, b []byte) (int, error)
}

const maxDump = 16 << 20

func (t *tracer) dumpIov(w byteWriter, s *engine.Stop, addr, n, limit uint64) {
	if n > 1024 {
		n = 1024
	}
	var iov [16]byte
	for i := uint64(0); i < n && limit > 0; i++ {
		if k, err := s.ReadMemory(addr+16*i, iov[:]); err != nil || k != 16 {
			return
		}
		base, l := binary.LittleEndian.Uint64(iov[:8]), binary.LittleEndian.Uint64(iov[8:])
		if l > limit {
			l = limit
		}
		limit -= l
		w.Write([]byte(" * " + strconv.FormatUint(l, 10) + " bytes in buffer " + strconv.FormatUint(i, 10) + "\n"))
		dumpBuf(w, s, s.Tid, base, l)
	}
}

// dumpBuf prints n bytes at addr, 16 a line: offset, hex, characters. As
// strace's dumpstr it reads 64 KiB at a time; a chunk that cannot be read
// after some lines were printed ends the dump with a "Cannot fetch" line.
func dumpBuf(w byteWriter, s memReader, tid int, addr, n uint64) {
	const chunkMax = 1 << 16
	if n == 0 || addr+n < addr {
		return
	}
	if n > maxDump {
		n = maxDump
	}
	width := 5
	if n > 1<<20 {
		width = len(strconv.FormatUint(n-1, 16))
	}
	buf := make([]byte, min((n+15)&^15, chunkMax))
	const hex = "0123456789abcdef"
	var line []byte
	for start := uint64(0); start < n; start += chunkMax {
		size := min(n-start, uint64(len(buf)))
		if k, err := s.ReadMemory(addr+start, buf[:size]); err != nil || uint64(k) != size {
			if start > 0 {
				plural := "s"
				if size == 1 {
					plural = ""
				}
				w.Write([]byte(" | <Cannot fetch " + strconv.FormatUint(size, 10) + " byte" + plural + " from pid " +
					strconv.Itoa(tid) + " @0x" + strconv.FormatUint(addr+start, 16) + ">\n"))
			}
			return
		}
		data := buf[:size]
		for off := 0; off < len(data); off += 16 {
			line = append(line[:0], " | "...)
			o := strconv.FormatUint(start+uint64(off), 16)
			for i := len(o); i < width; i++ {
				line = append(line, '0')
			}
			line = append(line, o...)
			line = append(line, "  "...)
			chunk := data[off:min(off+16, len(data))]
			for i := 0; i < 16; i++ {
				if i < len(chunk) {
					line = append(line, hex[chunk[i]>>4], hex[chunk[i]&15], ' ')
				} else {
					line = append(line, "   "...)
				}
				if i == 7 {
					line = append(line, ' ')
				}
			}
			line = append(line, ' ')
			for i := 0; i < 16; i++ {
				switch {
				case i >= len(chunk):
					line = append(line, ' ')
				case chunk[i] >= ' ' && chunk[i] < 0x7f:
					line = append(line, chunk[i])
				default:
					line = append(line, '.')
				}
			}
			line = append(line, " |\n"...)
			w.Write(line)
		}
	}
}
