package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/scripts"
)

// listWord is the subcommand that lists what ships (also --list).
const listWord = "scripts"

// target is what a SCRIPT argument names.
type target struct {
	name    string // as given
	shipped string // path under scripts/ of a shipped script; "" for a file
	sub     bool   // a subcommand
	near    string // for a missing NAME.lua: the shipped script it may mean
}

func (t target) describe() string {
	switch {
	case t.sub:
		return fmt.Sprintf("running the subcommand %s (shipped %s)", t.name, t.shipped)
	case t.shipped != "":
		return fmt.Sprintf("running the shipped script %s (no file %s here)", t.shipped, t.name)
	case t.name == "":
		return "running the -e code"
	}
	return "running the file " + t.name
}

// resolve decides what SCRIPT names, in this order: a subcommand; a file
// in the working directory (or a path); a script shipped in the binary;
// else it is an error that suggests the nearest name. A missing path or
// *.lua file is left to DoFile, which says "cannot open" as lua does.
func resolve(name string) (target, error) {
	t := target{name: name}
	if name == "" {
		return t, nil
	}
	if sub, ok := subcommands[name]; ok {
		t.shipped, t.sub = sub, true
		return t, nil
	}
	if _, err := os.Stat(name); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if p, ok := scripts.Lookup(name); ok {
		t.shipped = p
		return t, nil
	}
	if strings.Contains(name, "/") {
		return t, nil
	}
	if strings.HasSuffix(name, ".lua") {
		t.near = nearest(name, knownNames())
		return t, nil
	}
	msg := fmt.Sprintf("%q is not a subcommand, a file here, or a shipped script", name)
	if near := nearest(name, knownNames()); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return t, fmt.Errorf("%s; see sctrace-lua --list", msg)
}

// knownNames are what a user may type as SCRIPT without a path.
func knownNames() []string {
	names := []string{listWord}
	for sub := range subcommands {
		names = append(names, sub)
	}
	for sub := range goSubcommands {
		names = append(names, sub)
	}
	for _, e := range scripts.Catalog() {
		if e.Kind == scripts.Script {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names
}

// nearest is the candidate closest to word by edit distance, if it is
// close enough to be a typo (at most a third of the word, at least 1);
// a candidate that merely extends the word ("demo" → "demo.lua") counts.
func nearest(word string, candidates []string) string {
	word = strings.TrimSuffix(word, ".lua")
	best, bestD := "", len(word)/3+1
	for _, c := range candidates {
		d := editDistance(word, strings.TrimSuffix(c, ".lua"))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// printList writes the subcommands, shipped scripts and policies with
// their one-line summaries.
func printList(w io.Writer) {
	cat := scripts.Catalog()
	summary := map[string]string{}
	for _, e := range cat {
		summary[e.Path] = e.Summary
	}
	subs := make([]string, 0, len(subcommands))
	for s := range subcommands {
		subs = append(subs, s)
	}
	for s, sum := range goSubcommands {
		subs = append(subs, s)
		summary[s] = sum
	}
	sort.Strings(subs)
	fmt.Fprintln(w, "subcommands (sctrace-lua SUBCOMMAND --help):")
	for _, s := range subs {
		if sum, ok := summary[s]; ok && subcommands[s] == "" {
			fmt.Fprintf(w, "  %-24s %s\n", s, sum)
			continue
		}
		fmt.Fprintf(w, "  %-24s %s\n", s, summary[subcommands[s]])
	}
	fmt.Fprintf(w, "  %-24s %s\n", listWord, "this list (also --list)")
	fmt.Fprintln(w, "scripts (sctrace-lua NAME.lua [ARGS...], from any directory):")
	isSub := map[string]bool{}
	for _, p := range subcommands {
		isSub[p] = true
	}
	for _, e := range cat {
		if e.Kind == scripts.Script && !isSub[e.Path] {
			fmt.Fprintf(w, "  %-24s %s\n", e.Name, e.Summary)
		}
	}
	fmt.Fprintln(w, "policies (sctrace-lua run -p NAME -- CMD; sctrace-lua explain NAME):")
	for _, e := range cat {
		if e.Kind == scripts.Policy {
			fmt.Fprintf(w, "  %-24s %s\n", e.Name, e.Summary)
		}
	}
}
