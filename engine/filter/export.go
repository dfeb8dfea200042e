package filter

import (
	"fmt"
	"io"
	"os"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// build compiles the spec into a fresh libseccomp context. The caller must
// Release it; it is never loaded (see the package comment).
func (s Spec) build() (*seccomp.ScmpFilter, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	def, err := s.Default.scmp()
	if err != nil {
		return nil, fmt.Errorf("default action: %w", err)
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("%w: creating filter (default %s): %w", ErrExport, s.Default, err)
	}
	for _, r := range s.Rules {
		// libseccomp refuses (EACCES) a rule whose action equals the
		// default. Such a rule cannot change any outcome, and Validate has
		// already ruled out the conflicts where it would have mattered, so
		// skipping it keeps the filter identical to the spec.
		if r.Action == s.Default {
			continue
		}
		if err := addRule(f, r); err != nil {
			f.Release()
			return nil, err
		}
	}
	return f, nil
}

// addRule adds r to f, wrapping libseccomp's terse errors (often a bare
// errno) with the rule they belong to.
func addRule(f *seccomp.ScmpFilter, r Rule) error {
	if err := addRuleRaw(f, r); err != nil {
		return fmt.Errorf("%w: adding rule for %s (%s): %w", ErrExport, syscallLabel(r.Syscall), r.Action, err)
	}
	return nil
}

func addRuleRaw(f *seccomp.ScmpFilter, r Rule) error {
	act, err := r.Action.scmp()
	if err != nil {
		return err
	}
	if len(r.Conds) == 0 {
		return f.AddRule(seccomp.ScmpSyscall(r.Syscall), act)
	}
	conds := make([]seccomp.ScmpCondition, len(r.Conds))
	for i, c := range r.Conds {
		if conds[i], err = c.scmp(); err != nil {
			return err
		}
	}
	return f.AddRuleConditional(seccomp.ScmpSyscall(r.Syscall), act, conds)
}

// PFC returns libseccomp's pseudo filter code for the spec: readable, for
// logs and debugging only.
func (s Spec) PFC() (string, error) {
	b, err := s.export("seccomp-pfc", (*seccomp.ScmpFilter).ExportPFC)
	return string(b), err
}

// BPF returns the compiled program as the raw array of struct sock_filter
// (8 bytes each, native byte order), ready for SECCOMP_SET_MODE_FILTER in
// the child.
func (s Spec) BPF() ([]byte, error) {
	f, err := s.build()
	if err != nil {
		return nil, err
	}
	defer f.Release()
	return ExportBPF(f)
}

// ExportBPF compiles a libseccomp context built elsewhere (engine/profile
// builds multi-architecture filters from OCI profiles) into the raw
// program, with the same checks as Spec.BPF. f stays owned by the caller.
func ExportBPF(f *seccomp.ScmpFilter) ([]byte, error) {
	b, err := exportFilter(f, "seccomp-bpf", (*seccomp.ScmpFilter).ExportBPF)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || len(b)%8 != 0 {
		return nil, fmt.Errorf("%w: libseccomp wrote %d bytes, not a whole number of instructions", ErrExport, len(b))
	}
	// Checked here because the kernel would only refuse it in the child,
	// right before execve, where the error is much harder to report.
	if n := len(b) / 8; n > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("%w: program has %d instructions, the kernel accepts at most %d", ErrExport, n, unix.BPF_MAXINSNS)
	}
	return b, nil
}

// ExportPFC is libseccomp's pseudo filter code for a context built
// elsewhere; f stays owned by the caller.
func ExportPFC(f *seccomp.ScmpFilter) (string, error) {
	b, err := exportFilter(f, "seccomp-pfc", (*seccomp.ScmpFilter).ExportPFC)
	return string(b), err
}

// export goes through a memfd because libseccomp 2.5 can only write to a
// file descriptor (seccomp_export_bpf_mem is 2.6+), and a memfd needs no
// writable directory and leaves nothing behind.
func (s Spec) export(name string, write func(*seccomp.ScmpFilter, *os.File) error) ([]byte, error) {
	f, err := s.build()
	if err != nil {
		return nil, err
	}
	defer f.Release()
	return exportFilter(f, name, write)
}

func exportFilter(f *seccomp.ScmpFilter, name string, write func(*seccomp.ScmpFilter, *os.File) error) ([]byte, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("%w: memfd_create: %w", ErrExport, err)
	}
	file := os.NewFile(uintptr(fd), name)
	defer file.Close()
	if err := write(f, file); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrExport, name, err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%w: %s: rewinding memfd: %w", ErrExport, name, err)
	}
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading memfd: %w", ErrExport, name, err)
	}
	return b, nil
}
