package unwind

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var systemLibs = []string{
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	"/usr/lib/aarch64-linux-gnu/libc.so.6",
	"/usr/aarch64-linux-gnu/lib/libc.so.6", // the cross toolchain's: arm64 CFI, read on any host
}

func openObject(t *testing.T, path string) *object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("%s: %v", path, err)
	}
	defer f.Close()
	o, err := loadObject(f)
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	return o
}

func TestReaderLEB128(t *testing.T) {
	for _, c := range []struct {
		in []byte
		u  uint64
		s  int64
	}{
		{[]byte{0x02}, 2, 2},
		{[]byte{0x7f}, 127, -1},
		{[]byte{0x80, 0x01}, 128, 128},
		{[]byte{0xe5, 0x8e, 0x26}, 624485, 624485},
		{[]byte{0xc0, 0xbb, 0x78}, 1973696, -123456},
	} {
		r := reader{b: c.in}
		if v := r.uleb(); v != c.u || r.err != nil {
			t.Errorf("uleb % x = %d, %v; want %d", c.in, v, r.err, c.u)
		}
		r = reader{b: c.in}
		if v := r.sleb(); v != c.s || r.err != nil {
			t.Errorf("sleb % x = %d, %v; want %d", c.in, v, r.err, c.s)
		}
	}
	r := reader{b: []byte{0x80, 0x80}}
	if r.uleb(); r.err == nil {
		t.Error("truncated uleb: no error")
	}
}

func TestPointerEncodings(t *testing.T) {
	b := []byte{0xf0, 0xff, 0xff, 0xff} // -16
	r := reader{b: b}
	if v, err := r.encoded(pePcrel|peSdata4, 0x1000); err != nil || v != 0x1000-16 {
		t.Errorf("pcrel|sdata4 = %#x, %v; want %#x", v, err, 0x1000-16)
	}
	r = reader{b: b}
	if v, err := r.encoded(peUdata4, 0x1000); err != nil || v != 0xfffffff0 {
		t.Errorf("udata4 = %#x, %v", v, err)
	}
	r = reader{b: b}
	if _, err := r.encoded(peDatarel|peSdata4, 0); err == nil {
		t.Error("datarel: no error")
	}
}

// The x86-64 PLT's CFA expression (GNU ld): rsp+8, plus 8 more once the
// entry has pushed its index (rip&15 >= 11).
func TestExprPLT(t *testing.T) {
	code := []byte{0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22}
	var r Regs
	r.set(7, 0x7ffc0000)
	for _, c := range []struct{ rip, want uint64 }{
		{0x1020, 0x7ffc0008}, {0x102a, 0x7ffc0008}, {0x102b, 0x7ffc0010}, {0x102f, 0x7ffc0010},
	} {
		r.set(16, c.rip)
		v, err := evalExpr(code, &r, nil, nil)
		if err != nil || v != c.want {
			t.Errorf("rip %#x: CFA %#x, %v; want %#x", c.rip, v, err, c.want)
		}
	}
}

func TestExprBounds(t *testing.T) {
	var r Regs
	for name, code := range map[string][]byte{
		"underflow":      {0x22},
		"unknown op":     {0x30, 0xe0},
		"loop forever":   {0x2f, 0xfd, 0xff},
		"branch outside": {0x31, 0x28, 0x00, 0x10},
		"div by zero":    {0x31, 0x30, 0x1b},
		"breg unknown":   {0x75, 0x00},
		"deref no mem":   {0x31, 0x06},
	} {
		if _, err := evalExpr(code, &r, failMem{}, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

type failMem struct{}

func (failMem) ReadMemory(addr uint64, b []byte) (int, error) { return 0, os.ErrInvalid }

// The CFI table of system libraries against binutils' readelf -wF, which
// interprets the same bytes independently: for every row it prints, the CFA
// rule and each register's rule must be the one this interpreter computes
// at that address.
func TestCFIAgainstReadelf(t *testing.T) {
	readelf, err := exec.LookPath("readelf")
	if err != nil {
		t.Skip("readelf not installed")
	}
	tested := 0
	for _, lib := range systemLibs {
		if _, err := os.Stat(lib); err != nil {
			continue
		}
		o := openObject(t, lib)
		// readelf exits 1 on the missing separate debug file; its table
		// is complete all the same.
		out, err := exec.Command(readelf, "-wF", lib).Output()
		if len(out) == 0 {
			t.Fatalf("readelf -wF %s: %v", lib, err)
		}
		rows, fdes := compareReadelf(t, lib, o, out)
		t.Logf("%s: %d FDEs, %d rows compared", lib, fdes, rows)
		if fdes < 100 || rows < 1000 {
			t.Errorf("%s: only %d FDEs / %d rows compared", lib, fdes, rows)
		}
		tested++
	}
	if tested == 0 {
		t.Skip("no system library found")
	}
}

var (
	fdeLineRe = regexp.MustCompile(`FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)`)
	x86Regs   = map[string]uint64{"rax": 0, "rdx": 1, "rcx": 2, "rbx": 3, "rsi": 4, "rdi": 5, "rbp": 6, "rsp": 7,
		"r8": 8, "r9": 9, "r10": 10, "r11": 11, "r12": 12, "r13": 13, "r14": 14, "r15": 15, "ra": 16}
)

// arm64Regs: x0..x30 are DWARF 0..30, sp 31; readelf calls the return
// address column (x30) "ra".
func arm64Regs() map[string]uint64 {
	m := map[string]uint64{"sp": 31, "ra": 30}
	for i := 0; i <= 30; i++ {
		m["x"+strconv.Itoa(i)] = uint64(i)
	}
	return m
}

func compareReadelf(t *testing.T, lib string, o *object, out []byte) (rows, fdes int) {
	regNum := x86Regs
	if strings.Contains(lib, "aarch64") {
		regNum = arm64Regs()
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	var cols []string
	var f *fde
	var sec *cfiSection
	inEH := false
	bad := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Contents of the ") {
			inEH = strings.Contains(line, ".eh_frame section")
			f = nil
			continue
		}
		if !inEH {
			continue
		}
		if m := fdeLineRe.FindStringSubmatch(line); m != nil {
			lo, _ := strconv.ParseUint(m[1], 16, 64)
			hi, _ := strconv.ParseUint(m[2], 16, 64)
			var err error
			sec, f, err = o.fdeFor(lo)
			if err != nil || f.lo != lo || f.hi != hi {
				t.Errorf("%s: FDE %#x..%#x: ours %+v, %v", lib, lo, hi, f, err)
				f = nil
			}
			fdes++
			cols = nil
			continue
		}
		if strings.Contains(line, " CIE ") {
			f = nil // its rows are the initial instructions'
			continue
		}
		fields := strings.Fields(line)
		if len(fields) > 1 && fields[0] == "LOC" {
			cols = fields[2:]
			continue
		}
		if f == nil || len(fields) != len(cols)+2 {
			continue
		}
		loc, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil {
			continue
		}
		rw, err := rowFor(sec, f, loc)
		if err != nil {
			t.Errorf("%s: row at %#x: %v", lib, loc, err)
			continue
		}
		rows++
		if msg := cmpRow(rw, regNum, fields[1], cols, fields[2:]); msg != "" {
			if bad++; bad < 20 {
				t.Errorf("%s at %#x: %s", lib, loc, msg)
			}
		}
	}
	return rows, fdes
}

func cmpRow(rw *row, regNum map[string]uint64, cfa string, cols, rules []string) string {
	if cfa == "exp" {
		if rw.cfaExpr == nil {
			return "CFA: readelf exp, ours reg " + strconv.Itoa(int(rw.cfaReg))
		}
	} else {
		i := strings.IndexAny(cfa, "+-")
		reg, ok := regNum[cfa[:i]]
		off, err := strconv.ParseInt(cfa[i:], 10, 64)
		if !ok || err != nil {
			return ""
		}
		if rw.cfaExpr != nil || rw.cfaReg != reg || rw.cfaOff != off {
			return "CFA: readelf " + cfa + ", ours reg " + strconv.Itoa(int(rw.cfaReg)) + strconv.FormatInt(rw.cfaOff, 10)
		}
	}
	for i, name := range cols {
		reg, ok := regNum[name]
		if !ok {
			continue
		}
		want, got := rules[i], rw.regs[reg]
		switch {
		case want == "u":
			if got.kind != ruleSame && got.kind != ruleUndefined {
				return name + ": readelf u, ours kind " + strconv.Itoa(int(got.kind))
			}
		case want == "exp":
			if got.kind != ruleExpr {
				return name + ": readelf exp, ours kind " + strconv.Itoa(int(got.kind))
			}
		case strings.HasPrefix(want, "c"):
			off, err := strconv.ParseInt(want[1:], 10, 64)
			if err == nil && (got.kind != ruleOffset || got.off != off) {
				return name + ": readelf " + want + ", ours " + strconv.Itoa(int(got.kind)) + "/" + strconv.FormatInt(got.off, 10)
			}
		}
	}
	return ""
}

// Known facts about libc: write's symbol, and at its first instruction
// the x86-64 entry rule (CFA = rsp+8, return address at CFA-8).
func TestLibcFacts(t *testing.T) {
	lib := "/usr/lib/x86_64-linux-gnu/libc.so.6"
	o := openObject(t, lib)
	f, _ := elf.Open(lib)
	defer f.Close()
	syms, _ := f.DynamicSymbols()
	var write uint64
	for _, s := range syms {
		if s.Name == "write" && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			write = s.Value
		}
	}
	if write == 0 {
		t.Skip("no write in libc's .dynsym")
	}
	if s, ok := o.symbol(write + 3); !ok || s.value != write || !strings.HasSuffix(s.name, "write") {
		t.Errorf("symbol at write+3 = %+v, %v", s, ok)
	}
	sec, fd, err := o.fdeFor(write)
	if err != nil {
		t.Fatalf("no FDE for write: %v", err)
	}
	if fd.lo > write || fd.hi <= write || fd.cie.ra != 16 || fd.cie.dataAlign != -8 || fd.cie.codeAlign != 1 {
		t.Errorf("write's FDE %#x..%#x, CIE %+v", fd.lo, fd.hi, fd.cie)
	}
	rw, err := rowFor(sec, fd, fd.lo)
	if err != nil || rw.cfaExpr != nil || rw.cfaReg != 7 || rw.cfaOff != 8 || rw.regs[16].kind != ruleOffset || rw.regs[16].off != -8 {
		t.Errorf("row at write's entry: %+v, %v", rw, err)
	}
}

func TestLoadCraftedELF(t *testing.T) {
	b, err := os.ReadFile("/usr/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		t.Skip(err)
	}
	// Truncations and corruptions of a real library: errors or a usable
	// object, never a panic.
	for _, n := range []int{0, 16, 64, 1000, 4096, len(b) / 2} {
		loadObject(bytes.NewReader(b[:n]))
	}
	c := append([]byte(nil), b...)
	for i := 0x40; i < len(c); i += 4093 {
		c[i] ^= 0xa5
	}
	if o, err := loadObject(bytes.NewReader(c)); err == nil {
		o.fdeFor(0x27300)
		o.symbol(0x27300)
	}
}
