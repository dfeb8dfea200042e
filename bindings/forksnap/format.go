package forksnap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Wire format (all integers are unsigned varints, strings are length-prefixed):
//
//	"FKSN" version
//	nchunks  { name src }
//	nobjects { kind body }        objects may refer to each other by index,
//	                              forward or backward, which is what keeps
//	                              identity and cycles without recursion
//	nglobals { name value }
//	root object index             (a function object)
//
// A value is a tag byte: nil, false, true, number (8 bytes, IEEE bits, so
// NaN payloads and -0 survive), string, object index, or "the globals
// table". Bodies by kind:
//
//	table     npairs {key value} metatable-value
//	function  chunk npath {index} env-value nups {upvalue-object}
//	upvalue   value
//	builtin   path npatch {key value}   (value nil = field removed)
//	userdata  type data
//
// The version byte is bumped on any change; the parent and child are the
// same binary, so there is no cross-version decoding to support.
const (
	magic   = "FKSN"
	version = 1
)

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagNumber
	tagString
	tagObject
	tagGlobals
)

const (
	kindTable byte = iota + 1
	kindFunction
	kindUpvalue
	kindBuiltin
	kindUserdata
)

type writer struct{ b []byte }

func (w *writer) byte(c byte)      { w.b = append(w.b, c) }
func (w *writer) uint(n int)       { w.b = binary.AppendUvarint(w.b, uint64(n)) }
func (w *writer) str(s string)     { w.uint(len(s)); w.b = append(w.b, s...) }
func (w *writer) bytes(s []byte)   { w.uint(len(s)); w.b = append(w.b, s...) }
func (w *writer) f64(f float64)    { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f)) }
func (w *writer) append(o *writer) { w.b = append(w.b, o.b...) }

var errTruncated = errors.New("forksnap: snapshot truncated")

// reader never trusts a length: every count is capped by the bytes left,
// since each counted item takes at least one byte, which bounds allocation
// by the input size.
type reader struct {
	b   []byte
	off int
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) uvarint() (uint64, error) {
	n, k := binary.Uvarint(r.b[r.off:])
	if k <= 0 {
		return 0, errTruncated
	}
	r.off += k
	return n, nil
}

// count reads a number of items each at least minSize bytes long.
func (r *reader) count(minSize int) (int, error) {
	n, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(r.left()/minSize) {
		return 0, fmt.Errorf("forksnap: count %d exceeds remaining input", n)
	}
	return int(n), nil
}

// index reads an index that must be below limit.
func (r *reader) index(limit int) (int, error) {
	n, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if n >= uint64(limit) {
		return 0, fmt.Errorf("forksnap: index %d out of range (%d)", n, limit)
	}
	return int(n), nil
}

func (r *reader) bytes() ([]byte, error) {
	n, err := r.count(1)
	if err != nil {
		return nil, err
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s, nil
}

func (r *reader) str() (string, error) {
	s, err := r.bytes()
	return string(s), err
}

func (r *reader) f64() (float64, error) {
	if r.left() < 8 {
		return 0, errTruncated
	}
	u := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return math.Float64frombits(u), nil
}
