// Package itest holds the engine's integration tests: real children started
// with Session.Spawn (this test binary re-executed in a helper mode), real
// seccomp filters, real ptrace. It has no non-test code.
package itest
