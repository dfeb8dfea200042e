package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// spec is syscalls.spec parsed and checked for internal consistency.
type spec struct {
	classes []string
	types   []typeDecl
	sets    []setDecl
	calls   []callDecl
}

type typeDecl struct {
	name   string
	hasRef bool
}

type setDecl struct {
	name    string
	enum    bool
	entries []entryDecl
	line    int
}

// entryDecl is one set member: printed as name, valued by the unix
// identifier ident or by literal.
type entryDecl struct {
	name, ident, literal, arch string
}

type callDecl struct {
	name    string
	params  []paramDecl
	ret     string
	classes []string
	arch    string // "" for every architecture
	line    int
}

type paramDecl struct {
	name, typ, ref string
}

var (
	identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	callRe  = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\((.*)\)\s*->\s*([a-z_0-9]+)((?:\s+%%?[a-z]+)*)(?:\s+@([a-z0-9]+))?\s*$`)
	paramRe = regexp.MustCompile(`^([a-z_][a-z0-9_]*):([a-z_][a-z0-9_]*)(?:\(([a-z_][a-z0-9_]*)\))?$`)
	typeRe  = regexp.MustCompile(`^([a-z_][a-z0-9_]*)(\(ref\))?$`)
	archs   = map[string]bool{"amd64": true, "arm64": true}
)

func parseSpec(r io.Reader) (*spec, error) {
	s := &spec{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var err error
		switch word, rest, _ := strings.Cut(line, " "); word {
		case "classes":
			s.classes = append(s.classes, strings.Fields(rest)...)
		case "types":
			err = s.parseTypes(rest)
		case "flags", "enum":
			err = s.parseSet(word == "enum", rest, n)
		default:
			err = s.parseCall(line, n)
		}
		if err != nil {
			return nil, fmt.Errorf("syscalls.spec:%d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return s, s.check()
}

func (s *spec) parseTypes(rest string) error {
	for _, f := range strings.Fields(rest) {
		m := typeRe.FindStringSubmatch(f)
		if m == nil {
			return fmt.Errorf("bad type %q", f)
		}
		s.types = append(s.types, typeDecl{name: m[1], hasRef: m[2] != ""})
	}
	return nil
}

func (s *spec) parseSet(enum bool, rest string, line int) error {
	name, body, ok := strings.Cut(rest, ":")
	name = strings.TrimSpace(name)
	if !ok || !identRe.MatchString(name) {
		return fmt.Errorf("bad set header %q (want NAME: ENTRY …)", rest)
	}
	d := setDecl{name: name, enum: enum, line: line}
	for _, f := range strings.Fields(body) {
		e, err := parseEntry(f)
		if err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
		d.entries = append(d.entries, e)
	}
	if len(d.entries) == 0 {
		return fmt.Errorf("set %s is empty", name)
	}
	s.sets = append(s.sets, d)
	return nil
}

func parseEntry(f string) (entryDecl, error) {
	var e entryDecl
	if i := strings.LastIndexByte(f, '@'); i >= 0 {
		e.arch = f[i+1:]
		if !archs[e.arch] {
			return e, fmt.Errorf("entry %q: unknown architecture %q", f, e.arch)
		}
		f = f[:i]
	}
	name, val, hasVal := strings.Cut(f, "=")
	if !identRe.MatchString(name) {
		return e, fmt.Errorf("bad entry name %q", name)
	}
	e.name, e.ident = name, name
	if hasVal {
		switch {
		case val == "":
			return e, fmt.Errorf("entry %q: empty value", f)
		case val[0] >= '0' && val[0] <= '9':
			e.ident, e.literal = "", val
		case identRe.MatchString(val):
			e.ident = val
		default:
			return e, fmt.Errorf("entry %q: bad value %q", f, val)
		}
	}
	return e, nil
}

func (s *spec) parseCall(line string, n int) error {
	m := callRe.FindStringSubmatch(line)
	if m == nil {
		return fmt.Errorf("not a syscall line: %q", line)
	}
	c := callDecl{name: m[1], ret: m[3], arch: m[5], line: n}
	if c.arch != "" && !archs[c.arch] {
		return fmt.Errorf("%s: unknown architecture %q", c.name, c.arch)
	}
	c.classes = strings.Fields(m[4])
	if strings.TrimSpace(m[2]) != "" {
		for _, p := range strings.Split(m[2], ",") {
			pm := paramRe.FindStringSubmatch(strings.TrimSpace(p))
			if pm == nil {
				return fmt.Errorf("%s: bad argument %q (want name:type or name:type(ref))", c.name, strings.TrimSpace(p))
			}
			c.params = append(c.params, paramDecl{name: pm[1], typ: pm[2], ref: pm[3]})
		}
	}
	if len(c.params) > 6 {
		return fmt.Errorf("%s: %d arguments, a syscall has at most 6", c.name, len(c.params))
	}
	s.calls = append(s.calls, c)
	return nil
}

// check rejects a spec the decoders could not use: undeclared types, sets or
// classes, references to missing arguments, duplicates.
func (s *spec) check() error {
	types := map[string]typeDecl{}
	for _, t := range s.types {
		if _, dup := types[t.name]; dup {
			return fmt.Errorf("type %s declared twice", t.name)
		}
		types[t.name] = t
	}
	sets := map[string]bool{}
	for _, d := range s.sets {
		if sets[d.name] || types[d.name].name != "" {
			return fmt.Errorf("syscalls.spec:%d: set %s clashes with another set or type", d.line, d.name)
		}
		sets[d.name] = true
	}
	classes := map[string]bool{}
	for _, c := range s.classes {
		if !strings.HasPrefix(c, "%") {
			return fmt.Errorf("class %q must start with %%", c)
		}
		classes[c] = true
	}
	seen := map[string]bool{}
	for _, c := range s.calls {
		where := fmt.Sprintf("syscalls.spec:%d: %s", c.line, c.name)
		clash := seen[c.name+"@"] || seen[c.name+"@"+c.arch]
		if c.arch == "" {
			clash = clash || seen[c.name+"@amd64"] || seen[c.name+"@arm64"]
		}
		if clash {
			return fmt.Errorf("%s: declared twice for one architecture", where)
		}
		seen[c.name+"@"+c.arch] = true
		args := map[string]bool{}
		for _, p := range c.params {
			if args[p.name] {
				return fmt.Errorf("%s: argument %s twice", where, p.name)
			}
			args[p.name] = true
		}
		for _, p := range c.params {
			t, isType := types[p.typ]
			switch {
			case isType && t.hasRef && p.ref == "":
				return fmt.Errorf("%s: argument %s: type %s needs (ref)", where, p.name, p.typ)
			case isType && !t.hasRef && p.ref != "":
				return fmt.Errorf("%s: argument %s: type %s takes no (ref)", where, p.name, p.typ)
			case !isType && !sets[p.typ]:
				return fmt.Errorf("%s: argument %s: unknown type or set %q", where, p.name, p.typ)
			case !isType && p.ref != "":
				return fmt.Errorf("%s: argument %s: a set type takes no (ref)", where, p.name)
			case p.ref != "" && (!args[p.ref] || p.ref == p.name):
				return fmt.Errorf("%s: argument %s refers to %q, which is not another argument", where, p.name, p.ref)
			}
		}
		if t, ok := types[c.ret]; !ok || t.hasRef {
			return fmt.Errorf("%s: unknown return type %q", where, c.ret)
		}
		for _, cl := range c.classes {
			if !classes[cl] {
				return fmt.Errorf("%s: unknown class %s", where, cl)
			}
		}
	}
	return nil
}
