package scripts

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Kind says how a shipped file is used.
type Kind int

const (
	// Script is a top-level *.lua run as `sctrace-lua NAME.lua [ARGS...]`
	// (the subcommands' front ends are scripts too).
	Script Kind = iota + 1
	// Policy is policies/*.lua, run as `sctrace-lua run -p NAME -- CMD`.
	Policy
)

// Entry is one shipped script or policy.
type Entry struct {
	Path    string // under scripts/: "sample-sh.lua", "policies/deny-network.lua"
	Name    string // what a user types: "sample-sh.lua", "deny-network"
	Kind    Kind
	Summary string // the first sentence of the file's header comment
}

// Catalog lists the shipped scripts and policies, each group sorted by
// name. Libraries (sctrace/*.lua) are not listed: they are required, not
// run.
func Catalog() []Entry {
	var out []Entry
	add := func(pattern string, kind Kind) {
		names, _ := fs.Glob(FS, pattern)
		sort.Strings(names)
		for _, p := range names {
			src, err := fs.ReadFile(FS, p)
			if err != nil {
				continue
			}
			name := path.Base(p)
			if kind == Policy {
				name = strings.TrimSuffix(name, ".lua")
			}
			out = append(out, Entry{Path: p, Name: name, Kind: kind, Summary: Summary(src)})
		}
	}
	add("*.lua", Script)
	add("policies/*.lua", Policy)
	return out
}

// Lookup finds the shipped script a user named: "sample-sh.lua" or
// "sample-sh". Names with a slash are paths, never shipped scripts.
func Lookup(name string) (p string, ok bool) {
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	if !strings.HasSuffix(name, ".lua") {
		name += ".lua"
	}
	if _, err := fs.Stat(FS, name); err != nil {
		return "", false
	}
	return name, true
}

// Summary is the first sentence of a script's header comment: the leading
// "-- " lines up to the first blank comment line, with the "name.lua: "
// or "name: " label of the first line dropped.
func Summary(src []byte) string {
	var words []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "--") {
			break
		}
		text := strings.TrimSpace(strings.TrimPrefix(line, "--"))
		if text == "" {
			break
		}
		if first {
			if label, rest, ok := strings.Cut(text, ": "); ok && !strings.Contains(label, " ") {
				text = rest
			}
			first = false
		}
		words = append(words, text)
	}
	s := strings.Join(words, " ")
	// "`sctrace-lua run` — run a command …": the usage is in the list already.
	if _, rest, ok := strings.Cut(s, "` — "); ok && strings.HasPrefix(s, "`") {
		s = rest
	}
	for _, end := range []string{". ", "; "} {
		if i := strings.Index(s, end); i >= 0 {
			s = s[:i]
		}
	}
	return strings.TrimSuffix(s, ".")
}
