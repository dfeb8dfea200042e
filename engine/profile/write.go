package profile

import (
	"bytes"
	"encoding/json"
	"runtime"
	"slices"

	mseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The comments learned profiles carry; baselineComment also marks the
// entry MergeProfile leaves out (it is regenerated).
const (
	learnedComment  = "learned by sctrace-lua learn: the syscalls the traced command made, allowed whatever their arguments"
	baselineComment = "not made by the command: what runc's init may call after loading this filter, before it execs the command (sctrace-lua learn --no-runtime-baseline leaves this entry out)"
)

// nativeArch is the profile architecture of this build.
func nativeArch() specs.Arch {
	switch runtime.GOARCH {
	case "amd64":
		return specs.ArchX86_64
	case "arm64":
		return specs.ArchAARCH64
	}
	return ""
}

// WriteOptions shape a learned OCI profile.
type WriteOptions struct {
	// Baseline adds the RuntimeBaseline entry.
	Baseline bool
}

// Profile is the set as an OCI/Docker profile: everything else fails
// with EPERM, for this architecture only (other ABIs meet the bad-arch
// action). Entries follow Rules' order; names are sorted.
func (s *Set) Profile(o WriteOptions) *mseccomp.Seccomp {
	eperm := uint(unix.EPERM)
	p := &mseccomp.Seccomp{LinuxSeccomp: specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &eperm,
	}}
	if a := nativeArch(); a != "" {
		p.Architectures = []specs.Arch{a}
	}
	whole := &mseccomp.Syscall{LinuxSyscall: specs.LinuxSyscall{Action: specs.ActAllow}, Comment: learnedComment}
	p.Syscalls = append(p.Syscalls, whole)
	for _, r := range s.Rules() {
		if len(r.Args) == 0 && r.Action == specs.ActAllow {
			whole.Names = append(whole.Names, r.Name)
			continue
		}
		sc := &mseccomp.Syscall{LinuxSyscall: specs.LinuxSyscall{Names: []string{r.Name}, Action: r.Action, Args: r.Args}, Comment: r.Comment}
		if r.Action == specs.ActErrno {
			e := r.Errno
			sc.ErrnoRet = &e
		}
		p.Syscalls = append(p.Syscalls, sc)
	}
	if o.Baseline {
		var extra []string
		for _, n := range RuntimeBaseline {
			if !slices.Contains(whole.Names, n) {
				extra = append(extra, n)
			}
		}
		if len(extra) > 0 {
			p.Syscalls = append(p.Syscalls, &mseccomp.Syscall{
				LinuxSyscall: specs.LinuxSyscall{Names: extra, Action: specs.ActAllow}, Comment: baselineComment})
		}
	}
	return p
}

// Marshal writes a profile as stable, indented JSON ending in a newline,
// so that profiles diff cleanly.
func Marshal(p *mseccomp.Seccomp) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
