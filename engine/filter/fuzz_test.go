package filter

import (
	"encoding/binary"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"allow", "kill", "errno(EPERM)", "trace(65535)", "&=", "<=", "EPERM",
		"eperm", "connect", "conect", "", "\x00", "errno(", "trace(0x10)", "socketcall", "ÄÖ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ActionByName(s); err == nil {
			if err := a.Validate(); err != nil {
				t.Errorf("ActionByName(%q) returned invalid %v", s, a)
			}
		}
		if a, err := ParseAction(s); err == nil {
			if err := a.Validate(); err != nil {
				t.Errorf("ParseAction(%q) returned invalid %v", s, a)
			}
			if back, err := ParseAction(a.String()); err != nil || back != a {
				t.Errorf("ParseAction(%q).String() does not round-trip: %v", s, err)
			}
		}
		if o, err := ParseOp(s); err == nil && o.String() != s {
			t.Errorf("ParseOp(%q) = %v", s, o)
		}
		if n, err := ErrnoByName(s); err == nil && (n < 1 || n > MaxErrno) {
			t.Errorf("ErrnoByName(%q) = %d", s, n)
		}
		if n, err := SyscallNumber(s); err == nil {
			if _, err := SyscallName(n); err != nil || n < 0 {
				t.Errorf("SyscallNumber(%q) = %d, but %v", s, n, err)
			}
		} else {
			_ = err.Error()
		}
	})
}

// FuzzSpec builds arbitrary specs from raw bytes (invalid ones included)
// and checks that validation and export never panic and never produce a
// malformed program.
func FuzzSpec(f *testing.F) {
	f.Add([]byte{1, 0, 0, 7, 0, 42, 0, 0})
	f.Add([]byte{2, 0, 0, 1, 0, 41, 0, 1, 0, 1, 10, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func(n int) []byte {
			if len(b) < n {
				b = append(b, make([]byte, n-len(b))...)
			}
			out := b[:n]
			b = b[n:]
			return out
		}
		hdr := next(3)
		s := Spec{Default: Action{Kind: ActionKind(hdr[0] % 9), Value: binary.LittleEndian.Uint16(hdr[1:])}}
		for i := 0; len(b) > 0 && i < 8; i++ {
			r := next(6)
			rule := Rule{
				Action:  Action{Kind: ActionKind(r[0] % 9), Value: binary.LittleEndian.Uint16(r[1:])},
				Syscall: int(int16(binary.LittleEndian.Uint16(r[3:]))),
			}
			for j := 0; j < int(r[5]%4); j++ {
				c := next(4)
				rule.Conds = append(rule.Conds, Cond{Arg: int(c[0]%8) - 1, Op: Op(c[1] % 9), Value: uint64(c[2]), Value2: uint64(c[3])})
			}
			_ = s.Add(rule)
			if len(s.Rules) < i+1 && len(b)%2 == 0 {
				s.Rules = append(s.Rules, rule) // also feed unvalidated rules
			}
		}
		_ = s.String()
		_ = s.Conflicts()
		valid := s.Validate() == nil
		prog, err := s.BPF()
		if valid != (err == nil) {
			t.Fatalf("Validate ok=%v but BPF error %v for %+v", valid, err, s)
		}
		if err == nil && (len(prog) == 0 || len(prog)%8 != 0) {
			t.Fatalf("BPF length %d", len(prog))
		}
		if _, err := s.PFC(); valid != (err == nil) {
			t.Fatalf("Validate ok=%v but PFC error %v", valid, err)
		}
	})
}
