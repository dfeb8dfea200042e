-- untraced.lua LOAD: children the script starts but does not trace end
-- while another child is traced; wait4(-1) in the trace loop collects them,
-- and Process.waitpid / Process.wait must still hand out each status once.
local load = arg[1]
-- a: released untraced (Process.kill with signal 0) before the trace.
local a = Process.fork(function() os.exit(7) end)
-- b: never released before the trace; waitpid after the trace releases it.
local b = Process.fork(function() os.exit(9) end)
-- c: ten more released untraced; Process.wait() collects them.
local c = {}
for i = 1, 10 do
  local code = 10 + i
  c[i] = Process.fork(function() os.exit(code) end)
end
-- d: released from inside the callback, while the trace runs.
local d = Process.fork(function() os.exit(5) end)
print("released", Process.kill(0, a), Process.kill(0, unpack(c)))
local t = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  ctx:load()
  exec(load, "loop", "40", "10000")
end)
local n = 0
local st = Seccomp.start_trace(t, function()
  n = n + 1
  if n == 1 then Process.kill(0, d) end
end)
print("traced", n, tostring(st) == "#<Process::Status: pid=" .. t .. ",exited(0)>")
local p, s = Process.waitpid(a)
print("a", p == a, s:exitstatus())
p, s = Process.waitpid(b)
print("b", p == b, s:exitstatus())
p, s = Process.waitpid(d, Process.WNOHANG)
print("d", p == d, s and s:exitstatus())
local codes, pids = {}, {}
for i = 1, 10 do c[c[i]] = true end
for i = 1, 10 do
  p, s = Process.wait()
  if not p then print("wait failed", s) break end
  codes[#codes + 1] = s:exitstatus()
  pids[#pids + 1] = c[p] and "ok" or ("stranger " .. p)
end
table.sort(codes)
print("c", table.concat(codes, ","))
print("c pids", table.concat(pids, ","))
print("again", Process.wait())
print("again a", Process.waitpid(a))
