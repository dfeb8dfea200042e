module github.com/sctrace-lua/sctrace-lua

go 1.26.8

require (
	github.com/moby/profiles/seccomp v0.3.0
	github.com/opencontainers/runtime-spec v1.2.1
	github.com/seccomp/libseccomp-golang v0.11.1
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.50.0
)
