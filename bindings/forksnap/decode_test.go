package forksnap

import (
	"bytes"
	"strings"
	"testing"
)

// seedScripts cover every object kind and value tag; the fuzzer starts from
// their encodings.
var seedScripts = []string{
	`local x = 1; return function() return x end`,
	`local s = {n = 0/0, [1] = "a\0b", [2] = true}; s.self = s
	 setmetatable(s, {__index = string})
	 return function() return s, print, string.format end`,
	`local c = 0; local function inc() c = c + 1 end
	 local f = Fake.new("a", "b")
	 return function() inc(); return c, f end`,
	`string.trim = function(s) return s end; config = {1, 2, 3}
	 return function() return string.trim(config[1]), _G end`,
}

func seedEncodings(t testing.TB) [][]byte {
	var out [][]byte
	for _, src := range seedScripts {
		in := newInterp(t)
		data, err := Encode(in.L, in.evalFn(t, src), in.opts)
		if err != nil {
			t.Fatalf("seed %q: %v", src, err)
		}
		out = append(out, data)
	}
	return out
}

func TestSeedsRoundTrip(t *testing.T) {
	for _, data := range seedEncodings(t) {
		in := newInterp(t)
		if _, err := Decode(in.L, data, in.opts); err != nil {
			t.Errorf("decode: %v", err)
		}
	}
}

func TestEncodingIsDeterministic(t *testing.T) {
	in := newInterp(t)
	fn := in.evalFn(t, seedScripts[1])
	a, _ := Encode(in.L, fn, in.opts)
	b, _ := Encode(in.L, fn, in.opts)
	if !bytes.Equal(a, b) {
		t.Error("two encodings of the same state differ")
	}
}

func TestDecodeRejectsEveryTruncation(t *testing.T) {
	for _, data := range seedEncodings(t) {
		for n := 0; n < len(data); n++ {
			in := newInterp(t)
			if _, err := Decode(in.L, data[:n], in.opts); err == nil {
				t.Fatalf("prefix of %d/%d bytes decoded", n, len(data))
			}
		}
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	good := seedEncodings(t)[0]
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string]struct {
		data []byte
		want string
	}{
		"wrong magic":   {mutate(func(b []byte) []byte { b[0] = 'X'; return b }), "not a fork snapshot"},
		"wrong version": {mutate(func(b []byte) []byte { b[4] = 99; return b }), "version"},
		"trailing":      {append(bytes.Clone(good), 0), "trailing"},
		"huge count":    {[]byte("FKSN\x01\xff\xff\xff\xff\x0f"), "exceeds"},
	}
	for name, tc := range cases {
		in := newInterp(t)
		_, err := Decode(in.L, tc.data, in.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", name, err, tc.want)
		}
	}
}

// A snapshot whose source no longer contains the referenced function (or
// one whose upvalue count disagrees) must be refused, not half-built.
func TestDecodeChecksSourceAgainstPaths(t *testing.T) {
	build := func(src string, path []int, nups int) []byte {
		var w writer
		w.b = append(w.b, magic...)
		w.byte(version)
		w.uint(1)
		w.str("<forged>")
		w.str(src)
		w.uint(1 + nups)
		w.byte(kindFunction)
		w.uint(0)
		w.uint(len(path))
		for _, i := range path {
			w.uint(i)
		}
		w.byte(tagGlobals)
		w.uint(nups)
		for i := 0; i < nups; i++ {
			w.uint(1 + i)
		}
		for i := 0; i < nups; i++ {
			w.byte(kindUpvalue)
			w.byte(tagNil)
		}
		w.uint(0)
		w.uint(0)
		return w.b
	}
	in := newInterp(t)
	if _, err := Decode(in.L, build("local a; return function() return a end", []int{0}, 1), in.opts); err != nil {
		t.Fatalf("well-formed forged snapshot: %v", err)
	}
	for name, data := range map[string][]byte{
		"missing proto":    build("return 1", []int{0}, 1),
		"upvalue count":    build("local a; return function() return a end", []int{0}, 0),
		"does not compile": build("return function(", []int{0}, 1),
	} {
		in := newInterp(t)
		if _, err := Decode(in.L, data, in.opts); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if got := len(in.opts.Chunks.list); got != 1 {
		t.Errorf("child recorded %d chunks after one good decode, want 1", got)
	}
}

func TestDecodeBoundsSparseArrays(t *testing.T) {
	var w writer
	w.b = append(w.b, magic...)
	w.byte(version)
	w.uint(0)
	w.uint(1)
	w.byte(kindTable)
	w.uint(1)
	w.byte(tagNumber)
	w.f64(6e7) // gopher-lua would allocate a 6e7-slot array part
	w.byte(tagTrue)
	w.byte(tagNil)
	w.uint(0)
	w.uint(0)
	in := newInterp(t)
	if _, err := Decode(in.L, w.b, in.opts); err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Fatalf("got %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, data := range seedEncodings(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := newInterp(t)
		fn, err := Decode(in.L, data, in.opts)
		if err == nil && (fn == nil || fn.IsG) {
			t.Fatal("Decode returned no Lua function and no error")
		}
	})
}
