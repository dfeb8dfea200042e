package profile

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// capNames are the capability names the kernel defines, by number.
var capNames = map[int]string{
	unix.CAP_CHOWN: "CAP_CHOWN", unix.CAP_DAC_OVERRIDE: "CAP_DAC_OVERRIDE",
	unix.CAP_DAC_READ_SEARCH: "CAP_DAC_READ_SEARCH", unix.CAP_FOWNER: "CAP_FOWNER",
	unix.CAP_FSETID: "CAP_FSETID", unix.CAP_KILL: "CAP_KILL", unix.CAP_SETGID: "CAP_SETGID",
	unix.CAP_SETUID: "CAP_SETUID", unix.CAP_SETPCAP: "CAP_SETPCAP",
	unix.CAP_LINUX_IMMUTABLE: "CAP_LINUX_IMMUTABLE", unix.CAP_NET_BIND_SERVICE: "CAP_NET_BIND_SERVICE",
	unix.CAP_NET_BROADCAST: "CAP_NET_BROADCAST", unix.CAP_NET_ADMIN: "CAP_NET_ADMIN",
	unix.CAP_NET_RAW: "CAP_NET_RAW", unix.CAP_IPC_LOCK: "CAP_IPC_LOCK", unix.CAP_IPC_OWNER: "CAP_IPC_OWNER",
	unix.CAP_SYS_MODULE: "CAP_SYS_MODULE", unix.CAP_SYS_RAWIO: "CAP_SYS_RAWIO",
	unix.CAP_SYS_CHROOT: "CAP_SYS_CHROOT", unix.CAP_SYS_PTRACE: "CAP_SYS_PTRACE",
	unix.CAP_SYS_PACCT: "CAP_SYS_PACCT", unix.CAP_SYS_ADMIN: "CAP_SYS_ADMIN",
	unix.CAP_SYS_BOOT: "CAP_SYS_BOOT", unix.CAP_SYS_NICE: "CAP_SYS_NICE",
	unix.CAP_SYS_RESOURCE: "CAP_SYS_RESOURCE", unix.CAP_SYS_TIME: "CAP_SYS_TIME",
	unix.CAP_SYS_TTY_CONFIG: "CAP_SYS_TTY_CONFIG", unix.CAP_MKNOD: "CAP_MKNOD",
	unix.CAP_LEASE: "CAP_LEASE", unix.CAP_AUDIT_WRITE: "CAP_AUDIT_WRITE",
	unix.CAP_AUDIT_CONTROL: "CAP_AUDIT_CONTROL", unix.CAP_SETFCAP: "CAP_SETFCAP",
	unix.CAP_MAC_OVERRIDE: "CAP_MAC_OVERRIDE", unix.CAP_MAC_ADMIN: "CAP_MAC_ADMIN",
	unix.CAP_SYSLOG: "CAP_SYSLOG", unix.CAP_WAKE_ALARM: "CAP_WAKE_ALARM",
	unix.CAP_BLOCK_SUSPEND: "CAP_BLOCK_SUSPEND", unix.CAP_AUDIT_READ: "CAP_AUDIT_READ",
	unix.CAP_PERFMON: "CAP_PERFMON", unix.CAP_BPF: "CAP_BPF",
	unix.CAP_CHECKPOINT_RESTORE: "CAP_CHECKPOINT_RESTORE",
}

// DefaultCaps is the capability set `docker run` gives a container (moby's
// default list); profiles' includes/excludes "caps" are evaluated against
// it unless Capabilities changes it.
func DefaultCaps() []string {
	return []string{
		"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
		"CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP",
		"CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
	}
}

// allCaps lists every capability name, sorted.
func allCaps() []string {
	out := make([]string, 0, len(capNames))
	for _, n := range capNames {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// normCap accepts a capability as docker does: any case, with or without
// the CAP_ prefix, or ALL.
func normCap(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "ALL" {
		return u, nil
	}
	if !strings.HasPrefix(u, "CAP_") {
		u = "CAP_" + u
	}
	for _, n := range capNames {
		if n == u {
			return u, nil
		}
	}
	return "", failf(ErrInvalid, "unknown capability %q", s)
}

// Capabilities is the default container set with add and drop applied the
// way docker run's --cap-add and --cap-drop do: ALL in drop empties the
// set first, ALL in add grants everything, drop wins over add for a
// capability named in both. The result is sorted.
func Capabilities(add, drop []string) ([]string, error) {
	set := map[string]bool{}
	for _, c := range DefaultCaps() {
		set[c] = true
	}
	var adds, drops []string
	for _, list := range []struct {
		in  []string
		out *[]string
	}{{add, &adds}, {drop, &drops}} {
		for _, c := range list.in {
			n, err := normCap(c)
			if err != nil {
				return nil, err
			}
			*list.out = append(*list.out, n)
		}
	}
	if slices.Contains(drops, "ALL") {
		clear(set)
	}
	for _, c := range adds {
		if c == "ALL" {
			for _, n := range allCaps() {
				set[n] = true
			}
			continue
		}
		set[c] = true
	}
	for _, c := range drops {
		delete(set, c)
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}
