-- notify-getppid.lua KIND CMD...: every getppid of CMD reaches a Lua
-- callback that lets it run, through a notify rule (KIND "notify", no
-- ptrace), a trace rule (KIND "trace"), or a notify rule in a traced child
-- (KIND "mixed": the trace loop's thread serves the notifications between
-- ptrace events); prints "calls N" on stderr. For bench/notify.sh.
local kind = arg[1]
local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    if kind == "trace" then ctx:trace("getppid", 0) else ctx:notify("getppid") end
    if kind == "mixed" then ctx:trace("uname", 0) end -- seized: one loop serves both
  end):load()
  exec(unpack(arg, 2))
end)
local n = 0
local st = Seccomp.start_trace(pid, function() n = n + 1 end)
io.stderr:write("calls " .. n .. "\n")
os.exit(st:to_i())
