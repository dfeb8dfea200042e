-- Prints the status fields of a traced command: arg[1] is the shell code.
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  ctx:load()
  exec("/bin/sh", "-c", arg[1])
end)
local st = Seccomp.start_trace(pid, function() end)
print(st.pid == pid, st:exited(), st:exitstatus(), st:signaled(), st:termsig(), st:success(), st:to_i())
print(tostring(st))
