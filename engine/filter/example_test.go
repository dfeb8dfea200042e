package filter_test

import (
	"fmt"
	"strings"

	"github.com/sctrace-lua/sctrace-lua/engine/filter"
)

func ExampleSpec() {
	connect, err := filter.SyscallNumber("connect")
	if err != nil {
		panic(err)
	}
	trace, _ := filter.TraceAction(7)
	eperm, _ := filter.ParseAction("errno(EPERM)")

	spec := filter.Spec{Default: filter.ActionAllow}
	if err := spec.Add(filter.Rule{Action: trace, Syscall: connect}); err != nil {
		panic(err)
	}
	// libseccomp would silently keep only one of these; Add refuses instead.
	fmt.Println(spec.Add(filter.Rule{Action: eperm, Syscall: connect}))
	fmt.Println(spec)

	pfc, err := spec.PFC()
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(pfc, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "action ") {
			fmt.Println(line)
		}
	}
	_, err = filter.SyscallNumber("conect")
	fmt.Println(err)
	// Output:
	// conflicting rules for connect: rule 0 (trace(7)) and rule 1 (errno(EPERM)) both match every call
	// seccomp filter: default allow, 1 rule
	// action TRACE(7);
	// action ALLOW;
	// action KILL;
	// unknown syscall "conect" (did you mean connect?)
}
