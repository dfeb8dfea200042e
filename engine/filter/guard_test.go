package filter

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestGuardSpec(t *testing.T) {
	s, err := GuardSpec(Guards)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BPF(); err != nil {
		t.Fatalf("guard filter does not compile: %v", err)
	}
	want := map[int]string{
		unix.SYS_PTRACE: "errno(EPERM)", unix.SYS_PIDFD_GETFD: "errno(EPERM)", unix.SYS_PROCESS_VM_WRITEV: "errno(EPERM)",
		unix.SYS_CLONE3: "errno(ENOSYS)", unix.SYS_IO_URING_SETUP: "errno(EPERM)",
	}
	got := map[int]string{}
	clone := ""
	ioctls := 0
	for _, r := range s.Rules {
		got[r.Syscall] = r.Action.String()
		if r.Syscall == unix.SYS_CLONE {
			clone = r.String()
		}
		if r.Syscall == unix.SYS_IOCTL {
			ioctls++
		}
	}
	for nr, a := range want {
		if got[nr] != a {
			t.Errorf("%s: %q, want %q", syscallLabel(nr), got[nr], a)
		}
	}
	if !strings.Contains(clone, "arg1 & 0x800000 == 0x800000") || ioctls != 2 {
		t.Errorf("clone rule %q, %d ioctl rules", clone, ioctls)
	}
	if _, err := GuardSpec([]Guard{"nope"}); !errors.Is(err, ErrInvalidAction) || !strings.Contains(err.Error(), "guards: ptrace, untraced") {
		t.Errorf("unknown guard: %v", err)
	}
	one, _ := GuardSpec([]Guard{GuardIoUring, GuardIoUring})
	if len(one.Rules) != 3 {
		t.Errorf("a repeated guard adds its rules once: %d rules", len(one.Rules))
	}
}
