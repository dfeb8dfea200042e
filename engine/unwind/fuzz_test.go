package unwind

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// patternMem answers every read with bytes derived from the address.
type patternMem struct{}

func (patternMem) ReadMemory(addr uint64, b []byte) (int, error) {
	for i := range b {
		b[i] = byte(addr+uint64(i)) ^ 0x5a
	}
	return len(b), nil
}

func ehFrameSeed(f *testing.F) {
	f.Helper()
	b, err := os.ReadFile("/usr/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		return
	}
	o, err := loadObject(bytes.NewReader(b))
	if err != nil || len(o.cfi) == 0 {
		return
	}
	d := o.cfi[0].data
	if len(d) > 2048 {
		d = d[:2048]
	}
	f.Add(d, uint64(0x26010), true)
	f.Add(d, uint64(0x27100), true)
}

// FuzzCFI: any section bytes, any address: indexing, parsing, the CFI
// program and a step over memory return errors, never panic or hang.
func FuzzCFI(f *testing.F) {
	ehFrameSeed(f)
	f.Add([]byte{0x10, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 0x10, 1, 0x1b, 0x0c, 7, 8, 0x90, 1}, uint64(5), true)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint64(0), false)
	f.Fuzz(func(t *testing.T, data []byte, pc uint64, eh bool) {
		t0 := time.Now()
		defer func() {
			if d := time.Since(t0); d > 2*time.Second {
				t.Fatalf("%v for %d bytes", d, len(data))
			}
		}()
		s := &cfiSection{data: data, addr: 0x1000, eh: eh, cies: map[int]*cie{}}
		idx := s.index()
		for i, ref := range idx {
			if i > 64 {
				break
			}
			fd, err := s.fdeAt(ref.off)
			if err != nil {
				continue
			}
			at := fd.lo
			if fd.hi > fd.lo {
				at += pc % (fd.hi - fd.lo)
			}
			var r Regs
			for j := uint64(0); j < numRegs; j++ {
				r.set(j, 0x7ff000000000+j*8)
			}
			cfiStep(s, fd, at, &r, patternMem{})
		}
		find(idx, pc)
	})
}

// FuzzExpr: any DWARF expression evaluates or fails, within its bounds.
func FuzzExpr(f *testing.F) {
	f.Add([]byte{0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22})
	f.Add([]byte{0x77, 0xa0, 0x01, 0x06})
	f.Add([]byte{0x31, 0x28, 0xfd, 0xff})
	f.Fuzz(func(t *testing.T, code []byte) {
		var r Regs
		for j := uint64(0); j < numRegs; j++ {
			r.set(j, j*0x1000)
		}
		c := uint64(0x7ff000)
		evalExpr(code, &r, patternMem{}, &c)
	})
}

// FuzzELF: any file is parsed into an object or refused.
func FuzzELF(f *testing.F) {
	if b, err := os.ReadFile("/usr/bin/true"); err == nil {
		f.Add(b[:4096])
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o, err := loadObject(bytes.NewReader(b)); err == nil {
			o.fdeFor(0x1000)
			o.symbol(0x1000)
		}
	})
}
