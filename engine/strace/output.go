package strace

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/sctrace-lua/sctrace-lua/engine"
	"github.com/sctrace-lua/sctrace-lua/engine/decode"
	"github.com/sctrace-lua/sctrace-lua/engine/sockdiag"
	"golang.org/x/sys/unix"
)

// tracer turns stops into lines.
type tracer struct {
	o      *Options
	w      *bufio.Writer
	toFile bool
	dopts  decode.Options
	// live: the traced threads seen and not yet ended (strace's nprocs).
	live map[int]bool
	// execed: the first child's execve has succeeded; before that, its
	// calls are this program's own (the failure message of a failed exec).
	execed bool
	root   int
	stats  map[int]*stat
	buf    []byte
	// pending: the calls in progress, by thread, for "= ?" when the thread
	// ends inside one.
	pending map[int]*pendingCall
	paths   map[string]bool // -P, as given and resolved
	last    time.Time       // -r: the previous line's time
	files   map[int]*os.File
	outs    map[int]*bufio.Writer
	fileErr error
	socks   *sockdiag.Cache // -yy: what the kernel said about each socket
	stack   *stacks         // -k
	// attached: -p; the tracees stop at every call (no filter), so sel
	// (nil: all) and injNrs pick the calls here; flush: each line is
	// written at once (a process traced for as long as it runs).
	attached bool
	sel      map[int]bool
	injNrs   map[int]bool
	flush    bool
	// callExitFn, countExitFn: the exit handlers, bound once (a method
	// value made per call would be allocated per call).
	callExitFn, countExitFn engine.ReturnFunc
}

type pendingCall struct {
	active bool
	c      *decode.Call // nil under -c
	nr     int
	pid    int
	ts     time.Time
	ip     uint64
}

type stat struct {
	nr            int
	name          string
	calls, errors int
	time          time.Duration
	min, max      time.Duration // the shortest and the longest call
}

func newTracer(o *Options, w *bufio.Writer, toFile bool) *tracer {
	strsize := o.StrSize
	if strsize == 0 {
		strsize = -1 // decode's "none"; its 0 is the default
	}
	t := &tracer{o: o, w: w, toFile: toFile, live: map[int]bool{}, stats: map[int]*stat{},
		pending: map[int]*pendingCall{}, files: map[int]*os.File{}, outs: map[int]*bufio.Writer{},
		dopts: decode.Options{StrSize: strsize, FdPaths: o.FdPaths, FdDetails: o.FdDetails, Hex: o.Hex}}
	if o.StackTraces {
		t.stack = newStacks(o)
	}
	t.callExitFn, t.countExitFn = t.callExit, t.countExit
	if len(o.Paths) > 0 {
		t.paths = map[string]bool{}
		for _, p := range o.Paths {
			t.paths[p] = true
			if a, err := filepath.Abs(p); err == nil {
				t.paths[a] = true
			}
			if r, err := filepath.EvalSymlinks(p); err == nil {
				if a, err := filepath.Abs(r); err == nil {
					t.paths[a] = true
				}
			}
		}
	}
	return t
}

// optsFor is the decoding of syscall nr: verbose unless -e abbrev= names
// it (every call is abbreviated by default).
func (t *tracer) optsFor(nr int) decode.Options {
	o := t.dopts
	o.Verbose = t.o.Abbrev != nil && !t.o.Abbrev[nr]
	return o
}

// udHidden marks the rules of calls that stop without being selected:
// execve (its success ends the calls that are this program's own) and
// calls only injected into.
const udHidden = 1

var execNrs = []int{unix.SYS_EXECVE, unix.SYS_EXECVEAT}

func (t *tracer) seccomp(st *engine.Stop) (engine.Decision, error) {
	t0 := time.Now()
	show := st.UD != udHidden
	if t.attached {
		t.live[st.Tid] = true
		show = t.sel == nil || t.sel[st.Nr]
		// Unselected: let it run, unless it may be the command's own
		// execve (-b execve), which ends the calls that are trace's.
		if !show && !t.injNrs[st.Nr] && (t.execed || st.Nr != unix.SYS_EXECVE && st.Nr != unix.SYS_EXECVEAT) {
			return engine.Decision{}, nil
		}
	}
	if !t.execed {
		// Before the first child's execve succeeds, its calls are ours
		// (the message of a failed exec): only the exec is shown.
		if st.Pid != t.root || st.Nr != unix.SYS_EXECVE && st.Nr != unix.SYS_EXECVEAT {
			return engine.Decision{}, nil
		}
		// Tracked whether or not it is shown; a shown one sets its own
		// return handler below.
		st.OnReturn(func(s *engine.Stop, ret int64) (int64, bool, error) {
			if ret == 0 {
				t.execed = true
			}
			return 0, false, nil
		})
		if !show {
			return engine.Decision{}, nil
		}
	}
	t.live[st.Tid] = true
	var d engine.Decision
	injected := false
	for _, in := range t.o.Inject {
		if in.fires(st.Tid, st.Nr) {
			if in.signal != 0 {
				unix.Tgkill(st.Pid, st.Tid, syscall.Signal(in.signal))
			}
			switch {
			case in.hasRet:
				d, injected = engine.Decision{Verdict: engine.Return, Value: in.retval}, true
			case in.errno != 0:
				d, injected = engine.Decision{Verdict: engine.Fail, Value: int64(in.errno)}, true
			}
			break
		}
	}
	if !show {
		return d, nil
	}
	if t.o.Count && !t.o.CountAndTrace {
		nr := st.Nr
		if injected {
			ret := d.Value
			if d.Verdict == engine.Fail {
				ret = -d.Value
			}
			t.count(nr, ret, 0)
			return d, nil
		}
		p := t.call(st.Tid)
		p.nr, p.ts, p.c = nr, t0, nil
		if nr == unix.SYS_EXECVE || nr == unix.SYS_EXECVEAT {
			st.OnReturn(func(s *engine.Stop, ret int64) (int64, bool, error) { return t.countDone(p, ret) })
		} else {
			st.OnReturn(t.countExitFn)
		}
		return d, nil
	}
	dopts := t.optsFor(st.Nr)
	c := decode.Decode(st.Nr, st.Args, t.memory(st), dopts)
	if t.paths != nil && !t.usesPath(c, st) {
		return d, nil
	}
	if injected {
		ret := d.Value
		if d.Verdict == engine.Fail {
			ret = -d.Value
		}
		c.Exit(ret, t.memory(st), dopts)
		t.capture(st, c, false)
		t.finish(st.Tid, st.Pid, t0, st.IP, c, 0, " (INJECTED)")
		return d, nil
	}
	if c.NoReturn {
		t.capture(st, c, true)
		t.finish(st.Tid, st.Pid, t0, st.IP, c, -1, "")
		return d, nil
	}
	t.captureEntry(st, c)
	p := t.call(st.Tid)
	p.c, p.pid, p.ts, p.ip = c, st.Pid, t0, st.IP
	if st.Nr == unix.SYS_EXECVE || st.Nr == unix.SYS_EXECVEAT {
		// A thread that execs returns under the leader's tid.
		st.OnReturn(func(s *engine.Stop, ret int64) (int64, bool, error) { return t.callDone(p, s, ret) })
	} else {
		st.OnReturn(t.callExitFn)
	}
	return d, nil
}

// call is tid's record of its call in progress, reused from call to call
// (no allocation per call).
func (t *tracer) call(tid int) *pendingCall {
	p := t.pending[tid]
	if p == nil {
		p = &pendingCall{}
		t.pending[tid] = p
	}
	p.active = true
	return p
}

// callExit completes and writes the call in progress at its exit.
func (t *tracer) callExit(s *engine.Stop, ret int64) (int64, bool, error) {
	return t.callDone(t.pending[s.Tid], s, ret)
}

func (t *tracer) callDone(p *pendingCall, s *engine.Stop, ret int64) (int64, bool, error) {
	if p == nil || !p.active {
		return 0, false, nil
	}
	p.active = false
	c := p.c
	p.c = nil
	if !t.execed && ret != 0 {
		return 0, false, nil
	}
	t.execed = true
	dur := time.Since(p.ts)
	c.Exit(ret, t.memory(s), t.optsFor(c.Nr))
	t.capture(s, c, false)
	t.finish(s.Tid, s.Pid, p.ts, p.ip, c, dur, "")
	if t.o.AllRead || t.o.AllWrite || len(t.o.ReadFds) > 0 || len(t.o.WriteFds) > 0 {
		t.dump(s, c, ret)
	}
	t.writeStackAfterDump(s.Tid, c)
	return 0, false, nil
}

// countExit counts the call in progress at its exit (-c).
func (t *tracer) countExit(s *engine.Stop, ret int64) (int64, bool, error) {
	return t.countDone(t.pending[s.Tid], ret)
}

func (t *tracer) countDone(p *pendingCall, ret int64) (int64, bool, error) {
	if p == nil || !p.active {
		return 0, false, nil
	}
	p.active = false
	if !t.execed && ret != 0 {
		return 0, false, nil
	}
	t.execed = true
	t.count(p.nr, ret, time.Since(p.ts))
	return 0, false, nil
}

// usesPath: -P; a path argument or a descriptor naming one of the paths.
func (t *tracer) usesPath(c *decode.Call, st *engine.Stop) bool {
	for _, a := range c.Args {
		switch a.Type {
		case "path":
			if p, ok := a.Value.(string); ok && (t.paths[p] || t.paths[t.abs(st, p)]) {
				return true
			}
		case "fd", "dirfd":
			if int32(a.Raw) < 0 || a.Type == "dirfd" && int32(a.Raw) == unix.AT_FDCWD {
				continue
			}
			p, err := st.FdPath(int(int32(a.Raw)))
			if err == nil && (t.paths[p] || t.paths[strings.TrimSuffix(p, " (deleted)")]) {
				return true
			}
		}
	}
	return false
}

func (t *tracer) abs(st *engine.Stop, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	cwd, err := st.Cwd()
	if err != nil {
		return p
	}
	return filepath.Join(cwd, p)
}

// finish writes a call that has ended (or will not return), unless -e
// status= leaves it out; with -C it is counted too.
func (t *tracer) finish(tid, pid int, ts time.Time, ip uint64, c *decode.Call, d time.Duration, note string) {
	if t.o.CountAndTrace && d >= 0 {
		t.count(c.Nr, c.Ret, d)
	}
	if t.o.Status != nil {
		st := "successful"
		switch {
		case c.NoReturn || !c.Done:
			st = "unfinished"
		case c.Errno != 0:
			st = "failed"
		}
		if !t.o.Status[st] {
			return
		}
	}
	t.line(tid, pid, ts, ip, c, d, note)
}

func (t *tracer) count(nr int, ret int64, d time.Duration) {
	s := t.stats[nr]
	if s == nil {
		s = &stat{nr: nr, name: decode.Decode(nr, [6]uint64{}, nil, t.dopts).Name}
		t.stats[nr] = s
	}
	d = max(d-t.o.Overhead, 0) // -O
	if s.calls == 0 || d < s.min {
		s.min = d
	}
	s.max = max(s.max, d)
	s.calls++
	s.time += d
	if ret < 0 && ret >= -4095 {
		s.errors++
	}
}

// out is the writer for tid's lines: FILE.TID with -ff.
func (t *tracer) out(tid int) *bufio.Writer {
	if !t.o.PerPid {
		return t.w
	}
	if w := t.outs[tid]; w != nil {
		return w
	}
	f, err := os.OpenFile(t.o.Output+"."+strconv.Itoa(tid), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		if t.fileErr == nil {
			t.fileErr = err
		}
		return t.w
	}
	w := bufio.NewWriterSize(f, 16<<10)
	t.files[tid], t.outs[tid] = f, w
	return w
}

func (t *tracer) closeAll() {
	for tid, w := range t.outs {
		w.Flush()
		t.files[tid].Close()
	}
}

// prefix appends the pid and time columns, as strace's printleader.
func (t *tracer) prefix(b []byte, pid int, ts time.Time, ip uint64, hasIP bool) []byte {
	if !t.o.PerPid {
		if t.toFile {
			if t.o.Follow || len(t.live) > 1 {
				n := len(b)
				b = strconv.AppendInt(b, int64(pid), 10)
				for len(b)-n < 5 {
					b = append(b, ' ')
				}
				b = append(b, ' ')
			}
		} else if len(t.live) > 1 {
			b = append(b, "[pid "...)
			s := strconv.Itoa(pid)
			for i := len(s); i < 5; i++ {
				b = append(b, ' ')
			}
			b = append(b, s...)
			b = append(b, "] "...)
		}
	}
	if t.o.Relative {
		var d time.Duration
		if !t.last.IsZero() {
			d = ts.Sub(t.last)
		}
		t.last = ts
		s := strconv.FormatInt(int64(d/time.Second), 10)
		for i := len(s); i < 6; i++ {
			b = append(b, ' ')
		}
		b = append(b, s...)
		b = append(b, '.')
		us := strconv.FormatInt(int64(d%time.Second/time.Microsecond), 10)
		for i := len(us); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, us...)
		b = append(b, ' ')
	}
	switch t.o.Time {
	case 1:
		b = ts.AppendFormat(b, "15:04:05 ")
	case 2:
		b = ts.AppendFormat(b, "15:04:05.000000 ")
	case 3:
		b = strconv.AppendInt(b, ts.Unix(), 10)
		b = append(b, '.')
		us := strconv.Itoa(ts.Nanosecond() / 1000)
		for i := len(us); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, us...)
		b = append(b, ' ')
	}
	if t.o.IP {
		if hasIP {
			b = append(b, '[')
			h := strconv.FormatUint(ip, 16)
			for i := len(h); i < 16; i++ {
				b = append(b, '0')
			}
			b = append(b, h...)
			b = append(b, "] "...)
		} else {
			b = append(b, "[????????????????] "...)
		}
	}
	return b
}

// line writes one call; d < 0: no duration (the call does not return).
func (t *tracer) line(pid, tgid int, ts time.Time, ip uint64, c *decode.Call, d time.Duration, note string) {
	if t.o.JSON {
		t.jsonCall(pid, tgid, ts, c, d)
		return
	}
	b := t.prefix(t.buf[:0], pid, ts, ip, true)
	start := 0
	if !t.o.PerPid && !t.toFile && len(t.live) > 1 {
		start = 0
	}
	_ = start
	b = append(b, c.CallText()...)
	if t.o.Column > 0 {
		for len(b) < t.o.Column-1 {
			b = append(b, ' ')
		}
	}
	if note != detachedNote {
		b = append(b, " = "...)
		if r := c.RetText(); r != "" {
			b = append(b, r...)
		} else {
			b = append(b, '?')
		}
	}
	b = append(b, note...)
	if d >= 0 && t.o.Durations {
		b = append(b, " <"...)
		b = appendSeconds(b, d)
		b = append(b, '>')
	}
	b = append(b, '\n')
	t.out(pid).Write(b)
	t.buf = b
	t.writeStack(pid, c)
	if t.flush {
		t.w.Flush()
	}
}

func appendSeconds(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	b = strconv.AppendInt(b, us/1e6, 10)
	b = append(b, '.')
	f := strconv.FormatInt(us%1e6, 10)
	for i := len(f); i < 6; i++ {
		b = append(b, '0')
	}
	return append(b, f...)
}

// threadExit: a call cut off by the end of its thread is printed with
// "= ?", then strace's "+++ exited with N +++" for every traced task.
func (t *tracer) threadExit(tid int, st engine.Status) {
	if p := t.pending[tid]; p != nil {
		delete(t.pending, tid)
		if p.active && p.c != nil && t.execed && !t.o.Count {
			t.finish(tid, p.pid, p.ts, p.ip, p.c, -1, "")
		}
	}
	if !t.execed && tid == t.root {
		delete(t.live, tid)
		return
	}
	t.live[tid] = true // a task that made no traced call still counts
	if !t.o.Count && !t.o.JSON && !t.o.quietExit && (tid == t.root || t.o.Follow || t.attached) {
		b := t.prefix(t.buf[:0], tid, time.Now(), 0, false)
		if st.Exited() {
			b = append(b, "+++ exited with "...)
			b = strconv.AppendInt(b, int64(st.ExitStatus()), 10)
			b = append(b, " +++\n"...)
		} else {
			b = append(b, "+++ killed by "...)
			b = append(b, engine.SignalName(st.Signal())...)
			if st.CoreDump() {
				b = append(b, " (core dumped)"...)
			}
			b = append(b, " +++\n"...)
		}
		t.out(tid).Write(b)
		t.buf = b
		if t.flush {
			t.w.Flush()
		}
	}
	t.forgetStack(tid)
	delete(t.live, tid)
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat(" ", n-len(s)) + s
}

// jsonString keeps valid UTF-8 and escapes every other byte as \u00XX, so
// any tracee string is valid JSON.
func jsonString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 32 || c == 127:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		case c < 128:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
				i++
				continue
			}
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

func jsonValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case string:
		return jsonString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, s)
		}
		return append(b, ']')
	case []int64:
		b = append(b, '[')
		for i, n := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']')
	case *decode.Sockaddr:
		// keys sorted, as the Lua front end wrote them
		b = append(b, '{')
		if v.Addr != "" {
			b = append(b, `"addr":`...)
			b = jsonString(b, v.Addr)
			b = append(b, ',')
		}
		b = append(b, `"family":`...)
		b = jsonString(b, v.Family)
		if v.Family == "AF_NETLINK" {
			b = append(b, `,"groups":`...)
			b = strconv.AppendUint(b, uint64(v.Groups), 10)
		}
		if v.Path != "" {
			b = append(b, `,"path":`...)
			b = jsonString(b, v.Path)
		}
		if v.Family == "AF_NETLINK" {
			b = append(b, `,"pid":`...)
			b = strconv.AppendUint(b, uint64(v.Pid), 10)
		}
		if v.Addr != "" {
			b = append(b, `,"port":`...)
			b = strconv.AppendInt(b, int64(v.Port), 10)
		}
		return append(b, '}')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, k)
			b = append(b, ':')
			b = jsonValue(b, v[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

func (t *tracer) jsonCall(pid, tgid int, ts time.Time, c *decode.Call, d time.Duration) {
	b := t.buf[:0]
	b = append(b, `{"ts":`...)
	b = strconv.AppendFloat(b, float64(ts.UnixMicro())/1e6, 'f', 6, 64)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(tgid), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, `,"name":`...)
	b = jsonString(b, c.Name)
	b = append(b, `,"args":[`...)
	for i, a := range c.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsonString(b, a.Name)
		b = append(b, `,"type":`...)
		b = jsonString(b, a.Type)
		b = append(b, `,"value":`...)
		b = jsonValue(b, a.Value)
		b = append(b, `,"text":`...)
		b = jsonString(b, a.Text)
		if a.Path != "" {
			b = append(b, `,"path":`...)
			b = jsonString(b, a.Path)
		}
		if a.Hidden {
			b = append(b, `,"hidden":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"ret":`...)
	if c.Done {
		b = strconv.AppendInt(b, c.Ret, 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"ret_text":`...)
	rt := c.RetText()
	if rt == "" {
		rt = "?"
	}
	b = jsonString(b, rt)
	b = append(b, `,"errno":`...)
	if c.Errno != 0 {
		b = jsonString(b, c.ErrnoName())
		b = append(b, `,"error":`...)
		b = jsonString(b, decode.ErrnoMessage(c.Errno))
	} else {
		b = append(b, `null,"error":null`...)
	}
	b = append(b, `,"duration":`...)
	if d >= 0 {
		b = strconv.AppendFloat(b, d.Seconds(), 'f', 6, 64)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"text":`...)
	b = jsonString(b, c.Format())
	b = append(b, "}\n"...)
	t.w.Write(b)
	t.buf = b
}

// attachedMsg is strace's "Process N attached" for each new task under
// -f, on the trace's own stream so that it stays in order with the lines;
// nil (no message) without -f, with -q or -e quiet=attach, and when the
// lines go to a file (-o with a command: strace is quiet there too).
func (t *tracer) attachedMsg() func(tid int) {
	if !t.o.Follow || t.o.Quiet > 0 || t.o.quietAttach || t.toFile || t.o.PerPid {
		return nil
	}
	return func(tid int) {
		t.w.WriteString("sctrace-lua trace: Process " + strconv.Itoa(tid) + " attached\n")
	}
}
