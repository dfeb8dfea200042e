return {description = "mkdir fails with EPERM (decided in the tracer)",
  guarantees = {{what = "mkdir fails with EPERM", by = "tracer", calls = {"mkdir"}}},
  rules = function(r) r:trace("mkdir", 0) end,
  on_syscall = function(call) if call.name == "mkdir" then return {"errno", "EPERM"} end end}
