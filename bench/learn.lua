-- learn.lua: the benchmark's Lua-callback learner, to compare with
-- `sctrace-lua learn` (whose per-stop work is Go). Every call stops; the
-- cheapest Lua callback there is (3 parameters: no call object, so no
-- argument refinement) counts it by number.
--
--   sctrace-lua bench/learn.lua CMD [ARGS...]
--
-- stderr: "sctrace-lua: <n> seccomp stops"; exit status: CMD's.
local cmd = arg[1]
if not cmd then
  io.stderr:write("usage: sctrace-lua bench/learn.lua CMD [ARGS...]\n")
  os.exit(2)
end
local ctx = Seccomp.new({default = {"trace", 1}})
local pid = Process.fork(function()
  ctx:load()
  exec(cmd, unpack(arg, 2))
end)
local counts, n = {}, 0
local status = Seccomp.start_trace(pid, function(nr, pid, ud)
  counts[nr] = (counts[nr] or 0) + 1
  n = n + 1
end)
local kinds = 0
for _ in pairs(counts) do kinds = kinds + 1 end
io.stderr:write(string.format("sctrace-lua: %d seccomp stops\nsctrace-lua: %d syscalls seen\n", n, kinds))
os.exit(status:to_i())
