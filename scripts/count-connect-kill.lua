-- count-connect-kill.lua: count connect(2) calls across a traced command
-- and its children; kill the whole tree when it tries one more than N.
--
--   bin/sctrace-lua scripts/count-connect-kill.lua [N] CMD [ARGS...]
--   bin/sctrace-lua scripts/count-connect-kill.lua 3 bash -c 'for i in $(seq 10); do (exec 3<>/dev/tcp/127.0.0.1/8080); done'
--
-- N defaults to 3. Each connect is printed with its decoded address; the
-- (N+1)th is never made: the tree is SIGKILLed at its seccomp stop. Exit
-- status: the command's (128+9 when killed). Every connect counts, local
-- ones too: a bash started without SHELL or HOME in its environment looks
-- its user up, and glibc first asks nscd over a unix socket (two connects).
local limit, first = 3, 1
if tonumber(arg[1]) then limit, first = tonumber(arg[1]), 2 end
local cmd = {unpack(arg, first)}
if #cmd == 0 then
  io.stderr:write("usage: count-connect-kill.lua [N] CMD [ARGS...]\n")
  os.exit(2)
end

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    rule:trace("connect", 0)
  end)
  ctx:load()
  exec(unpack(cmd))
end)

local count = 0
local status = Seccomp.start_trace(pid, function(syscall, pid, ud, call)
  count = count + 1
  local sa = call:sockaddr(2)
  local where = sa and sa.text or "?"
  if count > limit then
    print(string.format("[%d] connect #%d to %s: over the limit of %d, killing the tree", pid, count, where, limit))
    return "kill_all"
  end
  print(string.format("[%d] connect #%d to %s (%s)", pid, count, where, sa and sa.family or "?"))
end)

print(string.format("%d connects allowed of %d tried; %s", math.min(count, limit), count, tostring(status)))
os.exit(status:to_i())
