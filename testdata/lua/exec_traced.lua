-- exec_traced.lua CMD [ARGS...]: run CMD under a filter with trace rules
-- (openat, execve), traced, and exit with its status. First prints how many
-- arguments the script got in arg and in `...`, and whether the last ones
-- agree. The fork block carries cmd, a table of every argument.
local n = select("#", ...)
print("script", #arg, n, arg[#arg] == select(n, ...))
local cmd = {}
for i = 1, #arg do cmd[i] = arg[i] end
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    rule:trace("openat", 0)
    rule:trace("execve", 1)
  end)
  ctx:load()
  exec(cmd)
end)
local execs = 0
local st = Seccomp.start_trace(pid, function(nr, pid, ud) if ud == 1 then execs = execs + 1 end end)
io.stderr:write("execve stops: ", execs, "\n")
os.exit(st:to_i())
