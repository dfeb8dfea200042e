// Package landlock describes Landlock rulesets as plain data and creates
// them in the kernel.
//
// A [Ruleset] is what a policy hands to the kernel: the access rights it
// handles (filesystem, TCP ports, scopes) and the exceptions it allows
// (path-beneath and port rules). Everything the ruleset handles and no rule
// allows is denied, by the kernel, on every path to the object: symlinks,
// magic links (/proc/self/fd/N), bind mounts, relative paths and io_uring
// all resolve to the same inode, so there is no lexical check to fool and
// no race to win.
//
// Like filter.Spec, a Ruleset has only exported plain fields: it crosses
// the fork helper's snapshot as JSON and is created (Create) in the helper
// child, which hands the ruleset descriptor to engine.Exec. There the
// domain is entered with landlock_restrict_self on the exec'ing thread, in
// the same C step as the seccomp filters and execve: restricting the Go
// runtime's other threads is never needed, since execve discards them.
//
// Each ruleset loaded becomes one more layer of the process's domain: an
// access is allowed only if every layer that handles it allows it
// (intersection). Composing policies therefore never weakens any of them.
//
// # ABI
//
// ABI reports the kernel's Landlock ABI version (0 without Landlock). The
// environment variable SCTRACE_LUA_LANDLOCK_ABI caps the version the
// engine believes in, so tests can simulate an older kernel: rights newer
// than the cap make Create fail with ErrUnsupported, as they would there.
// [Ruleset.MinABI] and [Ruleset.Downgrade] let callers fail closed or, when
// the user asks for best effort, drop what the kernel cannot enforce.
//
// The raw calls go through golang.org/x/sys/unix rather than go-landlock:
// its syscall package links libcap's psx, which wraps pthread_create in the
// whole binary (and claims a signal) for all-threads calls the engine never
// makes, since it enters domains on one thread right before execve.
package landlock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FS is a set of filesystem access rights (LANDLOCK_ACCESS_FS_*).
type FS uint64

// Net is a set of network access rights (LANDLOCK_ACCESS_NET_*).
type Net uint64

// Scope is a set of IPC scopes (LANDLOCK_SCOPE_*).
type Scope uint64

// Errors.
var (
	// ErrUnsupported: the ruleset needs a newer Landlock ABI than the
	// kernel has (or the cap allows).
	ErrUnsupported = errors.New("not supported by this kernel's Landlock")
	// ErrInvalid: an unknown right, a rule allowing what the ruleset does
	// not handle, an empty ruleset.
	ErrInvalid = errors.New("invalid landlock ruleset")
)

type right struct {
	name string
	bit  uint64
	abi  int
}

var fsRights = []right{
	{"execute", unix.LANDLOCK_ACCESS_FS_EXECUTE, 1},
	{"write_file", unix.LANDLOCK_ACCESS_FS_WRITE_FILE, 1},
	{"read_file", unix.LANDLOCK_ACCESS_FS_READ_FILE, 1},
	{"read_dir", unix.LANDLOCK_ACCESS_FS_READ_DIR, 1},
	{"remove_dir", unix.LANDLOCK_ACCESS_FS_REMOVE_DIR, 1},
	{"remove_file", unix.LANDLOCK_ACCESS_FS_REMOVE_FILE, 1},
	{"make_char", unix.LANDLOCK_ACCESS_FS_MAKE_CHAR, 1},
	{"make_dir", unix.LANDLOCK_ACCESS_FS_MAKE_DIR, 1},
	{"make_reg", unix.LANDLOCK_ACCESS_FS_MAKE_REG, 1},
	{"make_sock", unix.LANDLOCK_ACCESS_FS_MAKE_SOCK, 1},
	{"make_fifo", unix.LANDLOCK_ACCESS_FS_MAKE_FIFO, 1},
	{"make_block", unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1},
	{"make_sym", unix.LANDLOCK_ACCESS_FS_MAKE_SYM, 1},
	{"refer", unix.LANDLOCK_ACCESS_FS_REFER, 2},
	{"truncate", unix.LANDLOCK_ACCESS_FS_TRUNCATE, 3},
	{"ioctl_dev", unix.LANDLOCK_ACCESS_FS_IOCTL_DEV, 5},
}

var netRights = []right{
	{"bind_tcp", unix.LANDLOCK_ACCESS_NET_BIND_TCP, 4},
	{"connect_tcp", unix.LANDLOCK_ACCESS_NET_CONNECT_TCP, 4},
}

var scopes = []right{
	{"abstract_unix_socket", unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, 6},
	{"signal", unix.LANDLOCK_SCOPE_SIGNAL, 6},
}

// Groups of filesystem rights, by the name scripts use.
var (
	// FSRead: list directories and read files.
	FSRead = FS(unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR)
	// FSExecute: execute files.
	FSExecute = FS(unix.LANDLOCK_ACCESS_FS_EXECUTE)
	// FSWrite: every right that changes the filesystem: write, truncate,
	// create (any kind of file), remove, rename or link across
	// directories (refer), and ioctl on devices.
	FSWrite = FS(unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK | unix.LANDLOCK_ACCESS_FS_MAKE_SYM | unix.LANDLOCK_ACCESS_FS_REFER |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV)
	// FSAll: every filesystem right of ABI 7.
	FSAll = FSRead | FSExecute | FSWrite
	// fsFile: the rights that apply to a file (not a directory) rule.
	fsFile = FS(unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV)
	// NetTCP: bind and connect.
	NetTCP = Net(unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP)
	// ScopeAll: both scopes.
	ScopeAll = Scope(unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL)
)

var fsGroups = map[string]FS{"read": FSRead, "execute": FSExecute, "write": FSWrite, "all": FSAll}

func names(rs []right, v uint64) []string {
	var out []string
	for _, r := range rs {
		if v&r.bit != 0 {
			out = append(out, r.name)
		}
	}
	return out
}

func parse(kind string, rs []right, groups map[string]uint64, name string) (uint64, error) {
	if g, ok := groups[name]; ok {
		return g, nil
	}
	for _, r := range rs {
		if r.name == name {
			return r.bit, nil
		}
	}
	known := slices.Sorted(func(yield func(string) bool) {
		for g := range groups {
			if !yield(g) {
				return
			}
		}
	})
	for _, r := range rs {
		known = append(known, r.name)
	}
	return 0, fmt.Errorf("%w: unknown %s right %q (one of %s)", ErrInvalid, kind, name, strings.Join(known, ", "))
}

// ParseFS reads filesystem rights and groups ("read", "write",
// "execute", "all", or a right like "make_reg").
func ParseFS(name string) (FS, error) {
	g := map[string]uint64{}
	for k, v := range fsGroups {
		g[k] = uint64(v)
	}
	v, err := parse("filesystem", fsRights, g, name)
	return FS(v), err
}

// ParseNet reads "bind_tcp", "connect_tcp" or "tcp" (both).
func ParseNet(name string) (Net, error) {
	v, err := parse("network", netRights, map[string]uint64{"tcp": uint64(NetTCP)}, name)
	return Net(v), err
}

// ParseScope reads "abstract_unix_socket", "signal" or "all".
func ParseScope(name string) (Scope, error) {
	v, err := parse("scope", scopes, map[string]uint64{"all": uint64(ScopeAll)}, name)
	return Scope(v), err
}

// Names lists the rights in f.
func (f FS) Names() []string { return names(fsRights, uint64(f)) }

// Names lists the rights in n.
func (n Net) Names() []string { return names(netRights, uint64(n)) }

// Names lists the scopes in s.
func (s Scope) Names() []string { return names(scopes, uint64(s)) }

// PathRule allows Access beneath Path (a directory) or on it (a file).
type PathRule struct {
	Path   string
	Access FS
}

// PortRule allows Access on a TCP port.
type PortRule struct {
	Port   uint16
	Access Net
}

// Ruleset is one Landlock layer as data.
type Ruleset struct {
	FS    FS    `json:",omitempty"` // handled filesystem rights
	Net   Net   `json:",omitempty"` // handled network rights
	Scope Scope `json:",omitempty"` // scoped IPC
	Paths []PathRule
	Ports []PortRule
}

// Empty reports whether the ruleset handles nothing (it would restrict
// nothing, and the kernel refuses to create it).
func (r Ruleset) Empty() bool { return r.FS == 0 && r.Net == 0 && r.Scope == 0 }

// Validate checks that every right is known and every rule allows only
// handled rights.
func (r Ruleset) Validate() error {
	if r.Empty() {
		return fmt.Errorf("%w: it handles no right", ErrInvalid)
	}
	if r.FS&^FSAll != 0 || r.Net&^NetTCP != 0 || r.Scope&^ScopeAll != 0 {
		return fmt.Errorf("%w: unknown rights", ErrInvalid)
	}
	for _, p := range r.Paths {
		if p.Path == "" {
			return fmt.Errorf("%w: a path rule without a path", ErrInvalid)
		}
		if p.Access&^r.FS != 0 {
			return fmt.Errorf("%w: rule for %s allows %s, which the ruleset does not handle",
				ErrInvalid, p.Path, strings.Join((p.Access&^r.FS).Names(), ", "))
		}
	}
	for _, p := range r.Ports {
		if p.Access&^r.Net != 0 {
			return fmt.Errorf("%w: rule for port %d allows %s, which the ruleset does not handle",
				ErrInvalid, p.Port, strings.Join((p.Access&^r.Net).Names(), ", "))
		}
	}
	return nil
}

func minABI(rs []right, v uint64) (int, string) {
	abi, which := 0, ""
	for _, r := range rs {
		if v&r.bit != 0 && r.abi > abi {
			abi, which = r.abi, r.name
		}
	}
	return abi, which
}

// MinABI is the least Landlock ABI that enforces every right the ruleset
// handles, and the newest of those rights.
func (r Ruleset) MinABI() (int, string) {
	abi, which := minABI(fsRights, uint64(r.FS))
	if a, w := minABI(netRights, uint64(r.Net)); a > abi {
		abi, which = a, w
	}
	if a, w := minABI(scopes, uint64(r.Scope)); a > abi {
		abi, which = a, w
	}
	return abi, which
}

func supported(rs []right, abi int) uint64 {
	var v uint64
	for _, r := range rs {
		if r.abi <= abi {
			v |= r.bit
		}
	}
	return v
}

// Downgrade returns the ruleset without what ABI abi cannot enforce, and
// the names of the rights it dropped. The result may be Empty.
func (r Ruleset) Downgrade(abi int) (Ruleset, []string) {
	fs, net, sc := FS(supported(fsRights, abi)), Net(supported(netRights, abi)), Scope(supported(scopes, abi))
	dropped := append(append((r.FS&^fs).Names(), (r.Net&^net).Names()...), (r.Scope &^ sc).Names()...)
	out := Ruleset{FS: r.FS & fs, Net: r.Net & net, Scope: r.Scope & sc}
	for _, p := range r.Paths {
		if a := p.Access & fs; a != 0 {
			out.Paths = append(out.Paths, PathRule{Path: p.Path, Access: a})
		}
	}
	if out.Net != 0 {
		for _, p := range r.Ports {
			if a := p.Access & net; a != 0 {
				out.Ports = append(out.Ports, PortRule{Port: p.Port, Access: a})
			}
		}
	}
	return out, dropped
}

// CapEnv caps the ABI the engine believes in (tests simulate older
// kernels with it); unset or invalid: no cap.
const CapEnv = "SCTRACE_LUA_LANDLOCK_ABI"

var abiOnce = sync.OnceValue(func() int {
	v := KernelABI()
	if s := os.Getenv(CapEnv); s != "" {
		if c, err := strconv.Atoi(s); err == nil && c >= 0 && c < v {
			v = c
		}
	}
	return v
})

// ABI is the kernel's Landlock ABI version, capped by CapEnv; 0 when the
// kernel has no Landlock (or it is disabled).
func ABI() int { return abiOnce() }

// KernelABI is the version the kernel reports, without the cap.
func KernelABI() int {
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(r)
}

// The kernel's structs (include/uapi/linux/landlock.h); x/sys/unix's
// ruleset attribute lacks the scoped field of ABI 6.
type rulesetAttr struct{ fs, net, scoped uint64 }

type netPortAttr struct{ access, port uint64 }

const ruleNetPort = 2 // LANDLOCK_RULE_NET_PORT

func createRuleset(a *rulesetAttr) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(a)), unsafe.Sizeof(*a), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

func addRule(fd int, kind int, attr unsafe.Pointer) error {
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(fd), uintptr(kind), uintptr(attr), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Create makes the ruleset in the kernel and returns its descriptor
// (close-on-exec), for engine.Exec. Paths are opened here, relative to the
// calling process's working directory. A path that does not exist is an
// error: a rule for it would allow nothing, and creating it later would
// not be covered either.
func (r Ruleset) Create() (int, error) {
	if err := r.Validate(); err != nil {
		return -1, err
	}
	if need, which := r.MinABI(); need > ABI() {
		return -1, fmt.Errorf("landlock: %s needs ABI %d, the kernel has %d: %w", which, need, ABI(), ErrUnsupported)
	}
	attr := rulesetAttr{fs: uint64(r.FS), net: uint64(r.Net), scoped: uint64(r.Scope)}
	fd, err := createRuleset(&attr)
	if err != nil {
		return -1, fmt.Errorf("landlock: creating ruleset: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	for _, p := range r.Paths {
		if err := addPath(fd, p); err != nil {
			return -1, err
		}
	}
	for _, p := range r.Ports {
		a := netPortAttr{access: uint64(p.Access), port: uint64(p.Port)}
		if err := addRule(fd, ruleNetPort, unsafe.Pointer(&a)); err != nil {
			return -1, fmt.Errorf("landlock: rule for port %d: %w", p.Port, err)
		}
	}
	ok = true
	return fd, nil
}

func addPath(fd int, p PathRule) error {
	pfd, err := unix.Open(p.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("landlock: rule for %s: %w", p.Path, err)
	}
	defer unix.Close(pfd)
	access := p.Access
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		access &= fsFile // directory rights mean nothing on a file
	}
	if access == 0 {
		return nil
	}
	// struct landlock_path_beneath_attr is packed: u64 then s32.
	var a [12]byte
	binary.NativeEndian.PutUint64(a[:8], uint64(access))
	binary.NativeEndian.PutUint32(a[8:], uint32(int32(pfd)))
	if err := addRule(fd, unix.LANDLOCK_RULE_PATH_BENEATH, unsafe.Pointer(&a[0])); err != nil {
		return fmt.Errorf("landlock: rule for %s: %w", p.Path, err)
	}
	return nil
}

// String is a one-line summary.
func (r Ruleset) String() string {
	var parts []string
	if r.FS != 0 {
		parts = append(parts, "fs "+strings.Join(r.FS.Names(), ","))
	}
	if r.Net != 0 {
		parts = append(parts, "net "+strings.Join(r.Net.Names(), ","))
	}
	if r.Scope != 0 {
		parts = append(parts, "scope "+strings.Join(r.Scope.Names(), ","))
	}
	return fmt.Sprintf("landlock ruleset: handles %s; %d path rules, %d port rules", strings.Join(parts, "; "), len(r.Paths), len(r.Ports))
}
