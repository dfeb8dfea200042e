-- trace-getppid: a policy that decides every getppid in the tracer (it lets
-- each run), for bench/policies.sh: the per-stop cost of run's policy path.
return {
  description = "every getppid stops and is allowed (bench)",
  guarantees = {{what = "getppid is decided in the tracer", by = "tracer", calls = {"getppid"}}},
  rules = function(rule) rule:trace("getppid", 0) end,
  on_syscall = function(call) end,
}
