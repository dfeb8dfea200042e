-- emulate.lua: the benchmark's socket-policy tracer. Like count.lua, but
-- the callback reads each traced call's addresses as a policy would
-- (call:addresses), then either lets the tracee's call run (MODE inspect:
-- an advisory policy) or emulates it (MODE emulate: the tracer performs the
-- call on its own copy of the socket and the tracee gets the kernel's
-- answer). emulate minus inspect is what "emulate" costs per call.
--
--   sctrace-lua bench/emulate.lua MODE SYSCALL[,SYSCALL...] CMD [ARGS...]
--
-- stderr: "sctrace-lua: <n> seccomp stops"; exit status: CMD's.
local mode, names, cmd = arg[1], arg[2], arg[3]
if (mode ~= "inspect" and mode ~= "emulate") or not names or not cmd then
  io.stderr:write("usage: sctrace-lua bench/emulate.lua inspect|emulate SYSCALL[,SYSCALL...] CMD [ARGS...]\n")
  os.exit(2)
end
local decision = mode == "emulate" and "emulate" or nil

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    for name in names:gmatch("[^,]+") do rule:trace(name, 0) end
  end)
  ctx:load()
  exec(cmd, unpack(arg, 4))
end)

local n = 0
local status = Seccomp.start_trace(pid, function(nr, pid, ud, call)
  n = n + 1
  call:addresses()
  return decision
end)
io.stderr:write(string.format("sctrace-lua: %d seccomp stops\n", n))
os.exit(status:to_i())
