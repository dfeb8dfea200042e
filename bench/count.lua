-- count.lua: the benchmark's Lua tracer. Traces the named syscalls with a
-- trivial counting callback (3 parameters, so no per-call object is built)
-- and prints the count the way the reference tracer does.
--
--   sctrace-lua bench/count.lua SYSCALL[,SYSCALL...] CMD [ARGS...]
--
-- stderr: "sctrace-lua: <n> seccomp stops"; exit status: CMD's.
local names, cmd = arg[1], arg[2]
if not names or not cmd then
  io.stderr:write("usage: sctrace-lua bench/count.lua SYSCALL[,SYSCALL...] CMD [ARGS...]\n")
  os.exit(2)
end

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    for name in names:gmatch("[^,]+") do rule:trace(name, 0) end
  end)
  ctx:load()
  exec(cmd, unpack(arg, 3))
end)

local n = 0
local status = Seccomp.start_trace(pid, function(nr, pid, ud) n = n + 1 end)
io.stderr:write(string.format("sctrace-lua: %d seccomp stops\n", n))
os.exit(status:to_i())
