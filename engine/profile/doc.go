// Package profile speaks OCI/Docker seccomp profiles: it reads them with
// moby's own loader (github.com/moby/profiles/seccomp, which evaluates
// includes/excludes for an architecture, a kernel and a capability set),
// checks them the way runc does, compiles them into a kernel filter, and
// writes the profiles `sctrace-lua learn` derives from a traced run. It
// never imports gopher-lua.
//
// # Why not engine/filter
//
// A [filter.Spec] is one architecture, at most one condition per argument,
// and refuses rule combinations libseccomp would silently reshape. OCI
// profiles need the opposite: several architectures in one filter (the
// x86_64 profile also covers x86 and x32 calls), runc's reading of several
// conditions on one argument (each becomes a rule of its own, ORed), and
// libseccomp's merging as it is, since that is what a container runtime
// loads. So [Profile] builds its libseccomp context directly, as runc does,
// and shares only the export step with engine/filter.
//
// # Actions
//
// SCMP_ACT_ALLOW, _ERRNO (errnoRet, default EPERM), _KILL (the thread, as
// in libseccomp), _KILL_THREAD, _KILL_PROCESS, _TRAP and _LOG are compiled
// as written. SCMP_ACT_TRACE hands the call to a ptrace tracer; a
// container has none, so the kernel fails such calls with ENOSYS, and so
// does the compiled filter (the tracer of `run` never sees them).
// SCMP_ACT_NOTIFY hands the call to a seccomp agent (listenerPath): the
// compiled filter stops such calls at the tracer instead (SECCOMP_RET_TRACE
// with [UDBase]+entry), which reports them and lets them run, like an agent
// that answers SECCOMP_USER_NOTIF_FLAG_CONTINUE. In [Audit] mode every
// action that would refuse a call stops at the tracer the same way, and the
// call runs; only entries that answer ENOSYS stay as they are (libc then
// falls back to an older call the profile checks, as in a container).
//
// # Threading
//
// A Profile is immutable after Load and safe for concurrent use. A
// Recorder is not: it is fed from the tracer thread.
package profile
