package landlock

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	w, err := ParseFS("write")
	if err != nil || w != FSWrite || !strings.Contains(strings.Join(w.Names(), ","), "refer,truncate,ioctl_dev") {
		t.Errorf("write: %v %v", w.Names(), err)
	}
	if r, _ := ParseFS("make_reg"); r != FS(unix.LANDLOCK_ACCESS_FS_MAKE_REG) {
		t.Errorf("make_reg = %#x", r)
	}
	if _, err := ParseFS("wirte"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "one of all, execute, read, write, execute, write_file") {
		t.Errorf("unknown right: %v", err)
	}
	if n, _ := ParseNet("tcp"); n != NetTCP {
		t.Errorf("tcp = %v", n.Names())
	}
	if s, _ := ParseScope("signal"); s.Names()[0] != "signal" {
		t.Errorf("signal = %v", s.Names())
	}
}

func TestValidateABI(t *testing.T) {
	r := Ruleset{FS: FSWrite, Paths: []PathRule{{Path: "/tmp", Access: FSWrite}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if abi, which := r.MinABI(); abi != 5 || which != "ioctl_dev" {
		t.Errorf("MinABI = %d %s", abi, which)
	}
	bad := Ruleset{FS: FSWrite, Paths: []PathRule{{Path: "/tmp", Access: FSRead}}}
	if err := bad.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "allows read_file, read_dir") {
		t.Errorf("unhandled right in a rule: %v", err)
	}
	if err := (Ruleset{}).Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty: %v", err)
	}
	d, dropped := r.Downgrade(2)
	if !reflect.DeepEqual(dropped, []string{"truncate", "ioctl_dev"}) || d.FS&FS(unix.LANDLOCK_ACCESS_FS_TRUNCATE) != 0 || d.Paths[0].Access != d.FS {
		t.Errorf("Downgrade(2): %v %v", d, dropped)
	}
	if abi, _ := d.MinABI(); abi != 2 {
		t.Errorf("downgraded MinABI %d", abi)
	}
	n, dropped := Ruleset{Net: NetTCP, Ports: []PortRule{{Port: 80, Access: NetTCP}}}.Downgrade(3)
	if !n.Empty() || len(n.Ports) != 0 || len(dropped) != 2 {
		t.Errorf("net on ABI 3: %v %v", n, dropped)
	}
}

func TestCreate(t *testing.T) {
	if ABI() < 5 {
		t.Skipf("Landlock ABI %d", ABI())
	}
	r := Ruleset{FS: FSWrite, Net: NetTCP, Scope: ScopeAll,
		Paths: []PathRule{{Path: t.TempDir(), Access: FSWrite}, {Path: "/dev/null", Access: FSWrite}},
		Ports: []PortRule{{Port: 8080, Access: NetTCP}}}
	if ABI() < 6 {
		r.Scope = 0
	}
	fd, err := r.Create()
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	r.Paths = append(r.Paths, PathRule{Path: "/no/such/dir", Access: FSWrite})
	if _, err := r.Create(); err == nil || !strings.Contains(err.Error(), "landlock: rule for /no/such/dir: no such file or directory") {
		t.Errorf("missing path: %v", err)
	}
}
