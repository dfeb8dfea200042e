-- sample-sh.lua: the mruby-seccomp blog sample, in Lua.
--
-- Starts a login shell under a seccomp filter that traces connect(2) and
-- prints a line for every connect the shell or its children make.
--
--   bin/sctrace-lua scripts/sample-sh.lua
--   $ bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'
--   [14011]: syscall connect(#42) called. (ud: 0)
local pid = Process.fork(function()
  local context = Seccomp.new({default = "allow"}, function(rule)
    rule:trace("connect", 0)   -- 2nd argument: user data handed to the tracer
  end)
  context:load()
  exec(arg[1] or "/bin/sh", "-l")   -- a shell of your choice: sample-sh.lua /bin/bash
end)
local ret = Seccomp.start_trace(pid, function(syscall, pid, ud)
  local name = Seccomp.syscall_to_name(syscall)
  print(string.format("[%d]: syscall %s(#%d) called. (ud: %d)", pid, name, syscall, ud))
end)
print(ret)
os.exit(ret:to_i())   -- the shell's status is ours (not in the mruby sample)
