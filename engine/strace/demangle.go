package strace

import (
	"strconv"
	"strings"
)

// demangle turns an Itanium C++ ABI symbol (_Z...) into the form strace -k
// prints through libiberty's cplus_demangle (DMGL_PARAMS, not verbose):
// "toplev::main(int, char**)". It covers the names, templates, operators,
// constructors, substitutions and parameter types that make up most
// symbols; anything else (function and member pointer types, lambdas,
// expressions, thunks) leaves the name as it is, never half-decoded.
func demangle(sym string) string {
	if !strings.HasPrefix(sym, "_Z") || len(sym) > 4096 {
		return sym
	}
	base, clones := sym, ""
	if i := cloneSuffix(sym); i > 0 {
		base = sym[:i]
		for _, c := range splitClones(sym[i:]) {
			clones += " [clone " + c + "]"
		}
	}
	d := &demangler{s: base, pos: 2}
	out := d.encoding()
	if d.bad || d.pos != len(d.s) {
		return sym
	}
	return out + clones
}

// cloneSuffix is where GCC's ".cold", ".isra.0", ".constprop.1"... start.
func cloneSuffix(s string) int {
	i := strings.IndexByte(s, '.')
	if i < 0 || i+1 >= len(s) {
		return -1
	}
	for _, c := range splitClones(s[i:]) {
		if len(c) < 2 || !(c[1] == '_' || c[1] >= 'a' && c[1] <= 'z') {
			return -1
		}
	}
	return i
}

// splitClones splits ".constprop.0.isra.0" into ".constprop.0", ".isra.0".
func splitClones(s string) []string {
	var out []string
	for len(s) > 0 {
		j := 1
		for j < len(s) && s[j] != '.' {
			j++
		}
		for j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
			j++
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
		}
		out = append(out, s[:j])
		s = s[j:]
	}
	return out
}

type demangler struct {
	s    string
	pos  int
	bad  bool
	subs []string
	tmpl []string // the template arguments T_ refers to
	// fn: printed types that are functions or pointers to functions,
	// which a qualifier or pointer cannot simply be appended to.
	fn map[string]bool
	// isStdSub: the last name component came from Ss/Sa/... (whose
	// constructors libiberty spells out in full: not handled).
	steps int
}

func (d *demangler) peek() byte {
	if d.pos < len(d.s) {
		return d.s[d.pos]
	}
	return 0
}

func (d *demangler) next() byte {
	c := d.peek()
	if c != 0 {
		d.pos++
	}
	return c
}

func (d *demangler) fail() string {
	d.bad = true
	d.pos = len(d.s)
	return ""
}

func (d *demangler) guard() bool {
	d.steps++
	if d.steps > 10000 || d.bad {
		d.fail()
		return false
	}
	return true
}

// maxDemangled bounds every printed piece: substitutions can double a
// name at each reference.
const maxDemangled = 16 << 10

func (d *demangler) addSub(s string) {
	if len(s) > maxDemangled {
		d.fail()
		return
	}
	if len(d.subs) < 4096 {
		d.subs = append(d.subs, s)
	}
}

// encoding: <name> [<bare-function-type>]
func (d *demangler) encoding() string {
	c := d.peek()
	if c == 'T' || c == 'G' {
		return d.fail() // thunks, guard variables
	}
	name, isTemplate, noReturn, quals := d.name()
	if d.bad {
		return ""
	}
	if d.pos >= len(d.s) || d.peek() == 'E' {
		return name
	}
	ret := ""
	if isTemplate && !noReturn {
		ret = d.typ()
		if d.bad {
			return ""
		}
		ret += " "
	}
	var params []string
	for d.pos < len(d.s) && d.peek() != 'E' && d.peek() != '.' && d.guard() {
		params = append(params, d.typ())
	}
	if d.bad {
		return ""
	}
	if len(params) == 1 && params[0] == "void" {
		params = nil
	}
	return ret + name + "(" + strings.Join(params, ", ") + ")" + quals
}

// name returns the printed name; isTemplate: it ends with template
// arguments (so the encoding has a return type); noReturn: a constructor,
// destructor or conversion operator; quals: a method's cv-qualifiers.
func (d *demangler) name() (name string, isTemplate, noReturn bool, quals string) {
	switch c := d.peek(); {
	case c == 'N':
		return d.nested()
	case c == 'Z':
		d.next()
		enc := d.encoding()
		if d.next() != 'E' {
			return d.fail(), false, false, ""
		}
		if d.peek() == 's' {
			d.next()
			d.discriminator()
			return enc + "::string literal", false, false, ""
		}
		n, t, nr, q := d.name()
		d.discriminator()
		return enc + "::" + n, t, nr, q
	case c == 'S' && d.pos+1 < len(d.s) && d.s[d.pos+1] == 't':
		d.pos += 2
		u, nr := d.unqualified("")
		n := "std::" + u
		if d.peek() == 'I' {
			d.addSub(n)
			return withArgs(n, d.templateArgs(true)), true, nr, ""
		}
		return n, false, nr, ""
	case c == 'S':
		n := d.substitution()
		if d.peek() != 'I' {
			return d.fail(), false, false, ""
		}
		return withArgs(n, d.templateArgs(true)), true, false, ""
	default:
		u, nr := d.unqualified("")
		if d.peek() == 'I' {
			d.addSub(u)
			return withArgs(u, d.templateArgs(true)), true, nr, ""
		}
		return u, false, nr, ""
	}
}

func (d *demangler) discriminator() {
	if d.peek() != '_' {
		return
	}
	d.next()
	if d.peek() == '_' {
		d.next()
		for d.peek() >= '0' && d.peek() <= '9' {
			d.next()
		}
		if d.next() != '_' {
			d.fail()
		}
		return
	}
	if c := d.next(); c < '0' || c > '9' {
		d.fail()
	}
}

// nested: N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E
func (d *demangler) nested() (string, bool, bool, string) {
	d.next()
	quals := ""
	for {
		switch d.peek() {
		case 'r':
			quals += " restrict"
		case 'V':
			quals += " volatile"
		case 'K':
			quals += " const"
		default:
			goto refq
		}
		d.next()
	}
refq:
	switch d.peek() {
	case 'R':
		d.next()
		quals += " &"
	case 'O':
		d.next()
		quals += " &&"
	}
	cur, last := "", ""
	isTemplate, noReturn, fromStd := false, false, false
	for d.peek() != 'E' && d.guard() {
		fromSub := false
		switch c := d.peek(); {
		case c == 'S' && d.pos+1 < len(d.s) && d.s[d.pos+1] == 't':
			d.pos += 2
			cur, last = "std", "std"
			isTemplate = false
			continue
		case c == 'S':
			std := d.pos+1 < len(d.s) && strings.IndexByte("absiod", d.s[d.pos+1]) >= 0
			cur = d.join(cur, d.substitution())
			last, fromSub, isTemplate, fromStd = cur, true, false, std
		case c == 'T':
			cur = d.join(cur, d.templateParam())
			last, isTemplate = cur, false
		case c == 'I':
			if cur == "" {
				return d.fail(), false, false, ""
			}
			cur = withArgs(cur, d.templateArgs(true))
			isTemplate = true
		default:
			if (c == 'C' || c == 'D') && fromStd {
				return d.fail(), false, false, "" // libiberty's full std:: names
			}
			u, nr := d.unqualified(baseName(last))
			cur = d.join(cur, u)
			last, isTemplate, noReturn = u, false, nr
		}
		if d.peek() != 'E' && !fromSub {
			d.addSub(cur)
		}
	}
	if d.next() != 'E' || cur == "" {
		return d.fail(), false, false, ""
	}
	return cur, isTemplate, noReturn, quals
}

func (d *demangler) join(prefix, n string) string {
	if prefix == "" {
		return n
	}
	return prefix + "::" + n
}

// baseName is a class's name without its scope and template arguments,
// for its constructors and destructors.
func baseName(s string) string {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "[abi:"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "::"); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// unqualified: <source-name>, <operator-name>, <ctor-dtor-name>, with
// trailing ABI tags. class: the enclosing class, for constructors.
func (d *demangler) unqualified(class string) (string, bool) {
	if d.peek() == 'L' {
		d.next() // internal linkage
	}
	var n string
	noReturn := false
	switch c := d.peek(); {
	case c >= '0' && c <= '9':
		n = d.sourceName()
	case c == 'C':
		d.next()
		if d.peek() == 'I' {
			return d.fail(), false
		}
		if k := d.next(); k < '1' || k > '5' || class == "" {
			return d.fail(), false
		}
		n, noReturn = class, true
	case c == 'D' && d.pos+1 < len(d.s) && d.s[d.pos+1] >= '0' && d.s[d.pos+1] <= '5':
		d.pos += 2
		if class == "" {
			return d.fail(), false
		}
		n, noReturn = "~"+class, true
	case c >= 'a' && c <= 'z':
		var ok bool
		n, ok = d.operator()
		if !ok {
			return d.fail(), false
		}
		noReturn = strings.HasPrefix(n, "operator ") && n != "operator new" && n != "operator delete" &&
			n != "operator new[]" && n != "operator delete[]"
	default:
		return d.fail(), false
	}
	for d.peek() == 'B' && d.guard() {
		d.next()
		n += "[abi:" + d.sourceName() + "]"
	}
	return n, noReturn
}

func (d *demangler) number() int {
	start := d.pos
	for d.peek() >= '0' && d.peek() <= '9' {
		d.next()
	}
	n, err := strconv.Atoi(d.s[start:d.pos])
	if err != nil || n > len(d.s) {
		d.fail()
		return 0
	}
	return n
}

func (d *demangler) sourceName() string {
	n := d.number()
	if d.bad || n <= 0 || d.pos+n > len(d.s) {
		return d.fail()
	}
	id := d.s[d.pos : d.pos+n]
	d.pos += n
	if strings.HasPrefix(id, "_GLOBAL__N") {
		return "(anonymous namespace)"
	}
	return id
}

var operators = map[string]string{
	"nw": "new", "na": "new[]", "dl": "delete", "da": "delete[]", "ps": "+", "ng": "-",
	"ad": "&", "de": "*", "co": "~", "pl": "+", "mi": "-", "ml": "*", "dv": "/", "rm": "%",
	"an": "&", "or": "|", "eo": "^", "aS": "=", "pL": "+=", "mI": "-=", "mL": "*=", "dV": "/=",
	"rM": "%=", "aN": "&=", "oR": "|=", "eO": "^=", "ls": "<<", "rs": ">>", "lS": "<<=",
	"rS": ">>=", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
	"ss": "<=>", "nt": "!", "aa": "&&", "oo": "||", "pp": "++", "mm": "--", "cm": ",",
	"pm": "->*", "pt": "->", "cl": "()", "ix": "[]", "qu": "?",
}

func (d *demangler) operator() (string, bool) {
	if d.pos+2 > len(d.s) {
		return "", false
	}
	code := d.s[d.pos : d.pos+2]
	d.pos += 2
	if code == "cv" {
		t := d.typ()
		return "operator " + t, !d.bad
	}
	op, ok := operators[code]
	if !ok {
		return "", false
	}
	if op[0] >= 'a' && op[0] <= 'z' {
		return "operator " + op, true
	}
	return "operator" + op, true
}

// templateArgs: I <template-arg>+ E, printed "<a, b>" ("> >" spaced, as
// libiberty does). top: these are the arguments T_ refers to.
func (d *demangler) templateArgs(top bool) string {
	d.next() // I
	var args []string
	for d.peek() != 'E' && d.guard() {
		args = append(args, d.templateArg()...)
	}
	if d.next() != 'E' {
		return d.fail()
	}
	if top {
		d.tmpl = args
	}
	s := "<" + strings.Join(args, ", ")
	if len(s) > maxDemangled {
		return d.fail()
	}
	if strings.HasSuffix(s, ">") {
		s += " "
	}
	return s + ">"
}

// withArgs appends template arguments to a name: "operator<< <char>".
func withArgs(name, args string) string {
	if strings.HasSuffix(name, "<") {
		return name + " " + args
	}
	return name + args
}

func (d *demangler) templateArg() []string {
	switch d.peek() {
	case 'L':
		return []string{d.literal()}
	case 'J':
		d.next()
		var out []string
		for d.peek() != 'E' && d.guard() {
			out = append(out, d.templateArg()...)
		}
		d.next()
		return out
	case 'X':
		d.fail()
		return nil
	}
	return []string{d.typ()}
}

// literal: L <type> <value> E, for integers and bool.
func (d *demangler) literal() string {
	d.next()
	if d.peek() == '_' {
		return d.fail()
	}
	t := d.peek()
	d.next()
	neg := ""
	if d.peek() == 'n' {
		d.next()
		neg = "-"
	}
	start := d.pos
	for d.peek() >= '0' && d.peek() <= '9' {
		d.next()
	}
	v := d.s[start:d.pos]
	if v == "" || d.next() != 'E' {
		return d.fail()
	}
	switch t {
	case 'b':
		if neg == "" && v == "0" {
			return "false"
		}
		if neg == "" && v == "1" {
			return "true"
		}
	case 'i':
		return neg + v
	case 'j':
		return neg + v + "u"
	case 'l':
		return neg + v + "l"
	case 'm':
		return neg + v + "ul"
	case 'x':
		return neg + v + "ll"
	case 'y':
		return neg + v + "ull"
	}
	if b, ok := builtins[t]; ok {
		return "(" + b + ")" + neg + v
	}
	return d.fail()
}

var builtins = map[byte]string{
	'v': "void", 'w': "wchar_t", 'b': "bool", 'c': "char", 'a': "signed char",
	'h': "unsigned char", 's': "short", 't': "unsigned short", 'i': "int",
	'j': "unsigned int", 'l': "long", 'm': "unsigned long", 'x': "long long",
	'y': "unsigned long long", 'n': "__int128", 'o': "unsigned __int128",
	'f': "float", 'd': "double", 'e': "long double", 'g': "__float128", 'z': "...",
}

var dBuiltins = map[byte]string{
	'n': "decltype(nullptr)", 'i': "char32_t", 's': "char16_t", 'u': "char8_t",
	'a': "auto", 'c': "decltype(auto)",
}

func (d *demangler) typ() string {
	if !d.guard() {
		return ""
	}
	c := d.peek()
	if b, ok := builtins[c]; ok {
		d.next()
		return b
	}
	switch c {
	case 'K', 'V', 'r':
		d.next()
		q := map[byte]string{'K': " const", 'V': " volatile", 'r': " restrict"}[c]
		if n := d.peek(); n == 'K' || n == 'V' || n == 'r' || n == 'F' {
			return d.fail()
		}
		inner := d.typ()
		if d.fn[inner] {
			return d.fail()
		}
		t := inner + q
		d.addSub(t)
		return t
	case 'P', 'R', 'O':
		d.next()
		op := map[byte]string{'P': "*", 'R': "&", 'O': "&&"}[c]
		if d.peek() == 'F' {
			ret, params := d.function()
			if d.bad {
				return ""
			}
			d.markFn(ret + " (" + params + ")")
			t := ret + " (" + op + ")(" + params + ")"
			d.markFn(t)
			return t
		}
		inner := d.typ()
		if d.fn[inner] {
			return d.fail()
		}
		t := inner + op
		d.addSub(t)
		return t
	case 'F':
		ret, params := d.function()
		if d.bad {
			return ""
		}
		t := ret + " (" + params + ")"
		d.markFn(t)
		return t
	case 'D':
		if d.pos+1 < len(d.s) {
			if b, ok := dBuiltins[d.s[d.pos+1]]; ok {
				d.pos += 2
				return b
			}
		}
		return d.fail()
	case 'S':
		var t string
		if d.pos+1 < len(d.s) && d.s[d.pos+1] == 't' {
			d.pos += 2
			u, _ := d.unqualified("")
			t = "std::" + u
			d.addSub(t)
		} else {
			t = d.substitution()
			if d.peek() != 'I' {
				return t
			}
		}
		if d.peek() == 'I' {
			t += d.templateArgs(false)
			d.addSub(t)
		}
		return t
	case 'N':
		t, _, _, q := d.nested()
		if q != "" {
			return d.fail()
		}
		d.addSub(t)
		return t
	case 'T':
		t := d.templateParam()
		d.addSub(t)
		if d.peek() == 'I' {
			t += d.templateArgs(false)
			d.addSub(t)
		}
		return t
	}
	if c >= '0' && c <= '9' {
		t := d.sourceName()
		d.addSub(t)
		if d.peek() == 'I' {
			t += d.templateArgs(false)
			d.addSub(t)
		}
		return t
	}
	return d.fail() // function, array, member pointer, vendor types...
}

// function: F [Y] <return type> <parameter types> E
func (d *demangler) function() (ret, params string) {
	d.next() // F
	if d.peek() == 'Y' {
		d.fail()
		return
	}
	ret = d.typ()
	var ps []string
	for d.peek() != 'E' && d.guard() {
		if c := d.peek(); c == 'R' && d.pos+1 < len(d.s) && d.s[d.pos+1] == 'E' || c == 'O' && d.pos+1 < len(d.s) && d.s[d.pos+1] == 'E' {
			d.fail() // ref-qualified function types
			return
		}
		ps = append(ps, d.typ())
	}
	if d.next() != 'E' || d.fn[ret] {
		d.fail()
		return
	}
	if len(ps) == 1 && ps[0] == "void" {
		ps = nil
	}
	return ret, strings.Join(ps, ", ")
}

func (d *demangler) markFn(t string) {
	if d.fn == nil {
		d.fn = map[string]bool{}
	}
	d.fn[t] = true
	d.addSub(t)
}

func (d *demangler) templateParam() string {
	d.next() // T
	i := 0
	if d.peek() != '_' {
		i = d.number() + 1
	}
	if d.next() != '_' || i >= len(d.tmpl) {
		return d.fail()
	}
	return d.tmpl[i]
}

func (d *demangler) substitution() string {
	d.next() // S
	c := d.next()
	switch c {
	case 'a':
		return "std::allocator"
	case 'b':
		return "std::basic_string"
	case 's':
		return "std::string"
	case 'i':
		return "std::istream"
	case 'o':
		return "std::ostream"
	case 'd':
		return "std::iostream"
	case '_':
		if len(d.subs) == 0 {
			return d.fail()
		}
		return d.subs[0]
	}
	n := 0
	for ; c != '_'; c = d.next() {
		switch {
		case c >= '0' && c <= '9':
			n = n*36 + int(c-'0')
		case c >= 'A' && c <= 'Z':
			n = n*36 + int(c-'A') + 10
		default:
			return d.fail()
		}
		if n > 1<<20 {
			return d.fail()
		}
	}
	if n+1 >= len(d.subs) {
		return d.fail()
	}
	return d.subs[n+1]
}
