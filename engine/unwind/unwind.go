package unwind

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
)

// MaxFrames bounds a walk, as strace's default limit does.
const MaxFrames = 256

const (
	maxObjects   = 512     // files cached; the cache restarts past it
	maxProcs     = 4096    // processes whose maps are cached
	maxFileBytes = 4 << 30 // larger files are not parsed
)

// ErrTooManyFrames ends a walk that reached MaxFrames.
var ErrTooManyFrames = errors.New("too many stack frames")

// NotMappedError ends a walk at an address in no executable file
// mapping (a corrupt stack, JIT code).
type NotMappedError struct{ PC uint64 }

func (e *NotMappedError) Error() string {
	return fmt.Sprintf("address %#x is in no executable file mapping", e.PC)
}

// Frame is one frame of a walk.
type Frame struct {
	PC     uint64 // the address: the stop's pc, then return addresses
	File   string // the mapped file's path, as /proc/PID/maps shows it
	Offset uint64 // PC's offset in that file
	Symbol string // the nearest function symbol at or below PC; "" if none
	SymOff uint64 // PC - the symbol's address
}

type fileKey struct {
	path      string
	dev, ino  uint64
	mtime, sz int64
}

type cached struct {
	obj *object
	err error
}

// Unwinder walks stacks; it caches files and each process's mappings.
type Unwinder struct {
	files map[fileKey]cached
	procs map[int][]*mapping
}

// New returns an empty Unwinder.
func New() *Unwinder {
	return &Unwinder{files: map[fileKey]cached{}, procs: map[int][]*mapping{}}
}

// Invalidate drops what is known of pid's mappings: call it after the
// process maps, unmaps or reprotects memory, or execs.
func (u *Unwinder) Invalidate(pid int) { delete(u.procs, pid) }

// Forget drops a process that has ended.
func (u *Unwinder) Forget(pid int) { delete(u.procs, pid) }

func (u *Unwinder) maps(pid int, reload bool) []*mapping {
	if m, ok := u.procs[pid]; ok && !reload {
		return m
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		delete(u.procs, pid)
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(f, maxMapsBytes))
	f.Close()
	m := parseMaps(data)
	if len(u.procs) >= maxProcs {
		u.procs = map[int][]*mapping{}
	}
	u.procs[pid] = m
	return m
}

// mappingFor is the mapping holding pc; the maps are read again once when
// pc is outside the known ones.
func (u *Unwinder) mappingFor(pid int, pc uint64, reloaded *bool) *mapping {
	if m := lookup(u.maps(pid, false), pc); m != nil {
		return m
	}
	if *reloaded {
		return nil
	}
	*reloaded = true
	return lookup(u.maps(pid, true), pc)
}

// object is the parsed file of m, opened by its path when that is still
// the mapped file (same device and inode), else through map_files.
func (u *Unwinder) object(pid int, m *mapping) *object {
	if m.resolved {
		return m.obj
	}
	m.resolved = true
	if m.inode == 0 || len(m.path) == 0 || m.path[0] != '/' {
		return nil
	}
	f := openMapped(pid, m)
	if f == nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxFileBytes {
		return nil
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil {
		return nil
	}
	key := fileKey{path: m.path, dev: uint64(st.Dev), ino: st.Ino, mtime: fi.ModTime().UnixNano(), sz: fi.Size()}
	c, ok := u.files[key]
	if !ok {
		if len(u.files) >= maxObjects {
			u.files = map[fileKey]cached{}
		}
		c.obj, c.err = loadObject(f)
		u.files[key] = c
	}
	if c.obj == nil {
		return nil
	}
	bias, ok := c.obj.biasFor(m)
	if !ok {
		return nil
	}
	m.obj, m.bias = c.obj, bias
	return m.obj
}

// openMapped opens the file mapped at m: through /proc/PID/map_files,
// which is the mapping itself (needs CAP_SYS_ADMIN), else by its path when
// that is still a regular file with the mapping's device and inode. The
// tracee may have put a FIFO or a device at the path since: it is checked
// before and after the open, which neither blocks nor takes a terminal.
func openMapped(pid int, m *mapping) *os.File {
	if f, err := os.Open(fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.start, m.end)); err == nil {
		// The mapped file itself (its device may read differently
		// from maps' on overlayfs): only its type is checked.
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return f
		}
		f.Close()
	}
	if !sameFile(func() (os.FileInfo, error) { return os.Stat(m.path) }, m) {
		return nil
	}
	f, err := os.OpenFile(m.path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil
	}
	if !sameFile(f.Stat, m) {
		f.Close()
		return nil
	}
	return f
}

// sameFile: a regular file with m's device and inode.
func sameFile(stat func() (os.FileInfo, error), m *mapping) bool {
	fi, err := stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Ino == m.inode && devString(uint64(st.Dev)) == m.dev
}

// devString formats a device number as /proc/PID/maps does (major:minor
// in hex, at least two digits each).
func devString(dev uint64) string {
	major := (dev >> 8) & 0xfff
	major |= (dev >> 32) &^ 0xfff
	minor := (dev & 0xff) | ((dev >> 12) &^ 0xff)
	return fmt.Sprintf("%02x:%02x", major, minor)
}

// Unwind walks the stack of thread group pid's stopped thread whose
// registers are regs, reading its memory with mem. It returns the frames
// found and why the walk ended: nil at the outermost frame (the return
// address is undefined, or zero), ErrTooManyFrames, a *NotMappedError, or
// the error that stopped it (unreadable stack, CFI it cannot use).
func (u *Unwinder) Unwind(pid int, regs Regs, mem Memory) ([]Frame, error) {
	var frames []Frame
	mem = &blockMem{mem: mem}
	activation := true // the first frame's pc is exact; callers' are return addresses
	reloaded := false
	guessed := false // regs came from the frame-pointer chain, not CFI
	for {
		pc := regs.PC()
		if pc == 0 {
			return frames, nil
		}
		if len(frames) >= MaxFrames {
			return frames, ErrTooManyFrames
		}
		m := u.mappingFor(pid, pc, &reloaded)
		if m == nil || !m.exec {
			if guessed {
				// A frame-pointer guess that leads nowhere ends
				// the walk quietly, as libunwind's does.
				return frames, nil
			}
			return frames, &NotMappedError{PC: pc}
		}
		look := pc
		if !activation {
			look-- // inside the call instruction, not after it
		}
		fr := Frame{PC: pc, File: m.path, Offset: pc - m.start + m.off}
		obj := u.object(pid, m)
		if obj != nil {
			if s, ok := obj.symbol(look - m.bias); ok {
				fr.Symbol, fr.SymOff = s.name, pc-(s.value+m.bias)
			}
		}
		frames = append(frames, fr)
		next, signal, fp, err := step(obj, m.bias, look, &regs, mem)
		if err != nil {
			if errors.Is(err, errEnd) {
				return frames, nil
			}
			return frames, err
		}
		if next.SP() == regs.SP() && next.PC() == regs.PC() {
			return frames, fmt.Errorf("frame at %#x repeats itself: %w", pc, ErrMalformed)
		}
		regs, activation, guessed = next, signal, fp
	}
}

// errEnd: the CFI says this is the outermost frame.
var errEnd = errors.New("outermost frame")

// step computes the caller's registers: from the CFI row at look (an ELF
// address plus bias) when the file has one, else by the frame-pointer
// chain. signal reports that the frame was a signal trampoline, so the
// caller's pc is exact; fp, that the frame-pointer chain was used.
func step(obj *object, bias, look uint64, regs *Regs, mem Memory) (next Regs, signal, fp bool, err error) {
	if obj != nil {
		rw, f, err := obj.rowAt(look - bias)
		if err == nil {
			next, signal, err = applyRow(rw, f, regs, mem)
			return next, signal, false, err
		}
		if !errors.Is(err, ErrNoFDE) {
			return Regs{}, false, false, err
		}
	}
	next, _, err = fpStep(regs, mem)
	return next, false, true, err
}

func cfiStep(sec *cfiSection, f *fde, vaddr uint64, regs *Regs, mem Memory) (Regs, bool, error) {
	rw, err := rowFor(sec, f, vaddr)
	if err != nil {
		return Regs{}, false, err
	}
	return applyRow(rw, f, regs, mem)
}

// applyRow recovers the caller's registers by the rules of one CFI row.
func applyRow(rw *row, f *fde, regs *Regs, mem Memory) (Regs, bool, error) {
	var cfa uint64
	var err error
	if rw.cfaExpr != nil {
		cfa, err = evalExpr(rw.cfaExpr, regs, mem, nil)
		if err != nil {
			return Regs{}, false, fmt.Errorf("CFA expression: %w", err)
		}
	} else {
		v, ok := regs.get(rw.cfaReg)
		if !ok {
			return Regs{}, false, fmt.Errorf("CFA register %d not known: %w", rw.cfaReg, ErrUnsupported)
		}
		cfa = v + uint64(rw.cfaOff)
	}
	ra := f.cie.ra
	if ra >= numRegs {
		return Regs{}, false, fmt.Errorf("return address column %d: %w", ra, ErrUnsupported)
	}
	if rw.regs[ra].kind == ruleUndefined {
		return Regs{}, false, errEnd
	}
	var next Regs
	for i := uint64(0); i < numRegs; i++ {
		if i == regPC && i != ra {
			continue
		}
		rl := rw.regs[i]
		var v uint64
		switch rl.kind {
		case ruleSame:
			var ok bool
			if v, ok = regs.get(i); !ok {
				continue
			}
		case ruleUndefined:
			continue
		case ruleOffset:
			if v, err = readWord(mem, cfa+uint64(rl.off)); err != nil {
				if i == ra {
					return Regs{}, false, err
				}
				continue
			}
		case ruleValOffset:
			v = cfa + uint64(rl.off)
		case ruleRegister:
			var ok bool
			if v, ok = regs.get(rl.reg); !ok {
				continue
			}
		case ruleExpr, ruleValExpr:
			c := cfa
			v, err = evalExpr(rl.expr, regs, mem, &c)
			if err == nil && rl.kind == ruleExpr {
				v, err = readWord(mem, v)
			}
			if err != nil {
				if i == ra {
					return Regs{}, false, err
				}
				continue
			}
		}
		next.set(i, v)
	}
	if rw.regs[regSP].kind == ruleSame {
		next.set(regSP, cfa) // the CFA is the caller's stack pointer
	}
	raVal, ok := next.get(ra)
	if !ok {
		return Regs{}, false, fmt.Errorf("return address not recovered: %w", ErrUnsupported)
	}
	next.setPC(stripPAC(raVal))
	return next, f.cie.signal, nil
}

// fpStep follows the frame-pointer chain: the caller's frame pointer is
// saved at [fp], the return address at [fp+8], and the caller's stack
// starts at fp+16 (x86-64 and AArch64 alike).
func fpStep(regs *Regs, mem Memory) (Regs, bool, error) {
	fp, sp := regs.FP(), regs.SP()
	if fp == 0 || fp&7 != 0 || fp < sp {
		return Regs{}, false, errEnd
	}
	savedFP, err := readWord(mem, fp)
	if err != nil {
		return Regs{}, false, err
	}
	ra, err := readWord(mem, fp+8)
	if err != nil {
		return Regs{}, false, err
	}
	var next Regs
	next.set(regFP, savedFP)
	next.set(regSP, fp+16)
	next.setPC(stripPAC(ra))
	return next, false, nil
}
