package strace

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestDemangleKnown(t *testing.T) {
	for in, want := range map[string]string{
		"_Znwm":                 "operator new(unsigned long)",
		"_ZN6toplev4mainEiPPc":  "toplev::main(int, char**)",
		"_Z16gcc_init_libintlv": "gcc_init_libintl()",
		"_ZN21mem_alloc_descriptionI10pool_usageEC1Ev": "mem_alloc_description<pool_usage>::mem_alloc_description()",
		"_ZNKSt6vectorIiSaIiEE4sizeEv":                 "std::vector<int, std::allocator<int> >::size() const",
		"_Z3fooIiEvT_":                                 "void foo<int>(int)",
		"_Z3barPKc.cold":                               "bar(char const*) [clone .cold]",
		"_ZN12_GLOBAL__N_11fEv.constprop.0.isra.0":     "(anonymous namespace)::f() [clone .constprop.0] [clone .isra.0]",
		"_ZN1AD2Ev":                                    "A::~A()",
		"_ZN1AplERKS_":                                 "A::operator+(A const&)",
		"main":                                         "main",
		"_Z1fPFviE":                                    "f(void (*)(int))",
		"_Z1fPPFviE":                                   "_Z1fPPFviE", // a pointer to a function pointer: left as is
		"_Z":                                           "_Z",
		"_ZN":                                          "_ZN",
		"_ZSt4cout":                                    "std::cout",
	} {
		if got := demangle(in); got != want {
			t.Errorf("demangle(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every C++ function symbol of cc1 and libstdc++ against binutils'
// c++filt -i (libiberty without DMGL_VERBOSE, as strace calls it): a name this demangler decodes
// must read exactly as c++filt prints it; the rest stay mangled.
func TestDemangleAgainstCxxfilt(t *testing.T) {
	filt, err := exec.LookPath("c++filt")
	if err != nil {
		t.Skip("c++filt not installed")
	}
	readelf, err := exec.LookPath("readelf")
	if err != nil {
		t.Skip("readelf not installed")
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range []string{"/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"} {
		out, _ := exec.Command(readelf, "-sW", f).Output()
		for _, l := range strings.Split(string(out), "\n") {
			fl := strings.Fields(l)
			if len(fl) < 8 || fl[3] != "FUNC" || !strings.HasPrefix(fl[7], "_Z") {
				continue
			}
			n, _, _ := strings.Cut(fl[7], "@")
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	if len(names) < 1000 {
		t.Skipf("only %d C++ symbols found", len(names))
	}
	cmd := exec.Command(filt, "-i") // not verbose, as strace calls libiberty
	cmd.Stdin = strings.NewReader(strings.Join(names, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(bytes.TrimRight(out, "\n")), "\n"), "\n")
	if len(want) != len(names) {
		t.Fatalf("c++filt: %d lines for %d names", len(want), len(names))
	}
	decoded, bad := 0, 0
	for i, n := range names {
		got := demangle(n)
		if got == n {
			continue
		}
		decoded++
		if got != want[i] {
			if bad++; bad <= 20 {
				t.Errorf("%s:\n got %s\nwant %s", n, got, want[i])
			}
		}
	}
	t.Logf("%d of %d names decoded, %d differ from c++filt", decoded, len(names), bad)
	if decoded*10 < len(names)*6 {
		t.Errorf("only %d of %d names decoded", decoded, len(names))
	}
}

// FuzzDemangle: any symbol demangles or stays as it is, within bounds.
func FuzzDemangle(f *testing.F) {
	for _, s := range []string{"_ZN6toplev4mainEiPPc", "_ZNKSt6vectorIiSaIiEE4sizeEv", "_Z3fooIiEvT_",
		"_Z1fPFviE", "_ZN1AplERKS_", "_Z1fIJiiEEvDpT_", "_Z1aIS_S_S_EvS0_S0_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := demangle(s)
		if len(out) > maxDemangled+len(s)+64 {
			t.Fatalf("%d bytes out of %d", len(out), len(s))
		}
	})
}

// Substitutions that double a name at each level (B<prev, prev>): 5
// levels decode, 30 would be gigabytes and stop at the bound.
func TestDemangleBlowup(t *testing.T) {
	build := func(levels int) string {
		s, n := "_Z1f1A", 0
		for i := 0; i < levels; i++ {
			ref := "S_"
			if n > 0 {
				ref = "S" + strings.ToUpper(strconv.FormatInt(int64(n-1), 36)) + "_"
			}
			s += "1BI" + ref + ref + "E"
			n += 2
		}
		return s
	}
	if out := demangle(build(2)); out != "f(A, B<A, A>, B<B<A, A>, B<A, A> >)" {
		t.Errorf("2 levels: %q", out)
	}
	if s := build(30); demangle(s) != s {
		t.Errorf("30 levels decoded")
	}
}
