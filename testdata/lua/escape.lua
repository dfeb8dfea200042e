-- Traces mkdir and ptrace in the command given as arguments; prints each
-- traced call with its process, and the command's status.
local cmd = {...}
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r)
    r:trace("mkdir", 0)
    r:trace("ptrace", 0)
  end)
  ctx:load()
  exec(unpack(cmd))
end)
local st = Seccomp.start_trace(pid, function(nr, p, ud, call)
  print("traced", call.name, p == pid and "root" or "child")
end)
print(st:exitstatus())
