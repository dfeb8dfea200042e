-- demo.lua: a non-interactive tour of sctrace-lua.
--
-- Runs a bash command under a seccomp filter that traces connect(2) and
-- denies mkdir(2), prints every traced connect with its decoded address and
-- its result, and ends with the command's exit status.
--
--   bin/sctrace-lua scripts/demo.lua [PORT]
--
-- Nothing needs to listen on PORT (default 9): refused connects are traced
-- like any other. Needs bash (for /dev/tcp).
local port = tonumber(arg[1]) or 9

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    rule:trace("connect", 1)            -- stop and ask the callback
    rule:errno("EPERM", "mkdir")        -- decided in the kernel, no stop
  end)
  ctx:load()
  exec("bash", "-c", string.format([[
    for i in 1 2 3; do (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null; done
    mkdir /tmp/sctrace-lua-demo-$$ 2>&1 | sed 's/^/  mkdir says: /'
    exit 0
  ]], port))
end)

-- bash's own connects also stop here: without SHELL or HOME in its
-- environment it looks its user up, and glibc asks nscd over a unix
-- socket first. They are printed too; the demo checks only its three.
local connects, ours = 0, 0
local target = "127.0.0.1:" .. port
local status = Seccomp.start_trace(pid, function(syscall, pid, ud, call)
  connects = connects + 1
  local sa = call:sockaddr(2)
  local to = sa and sa.text or "?"     -- "127.0.0.1:9", a socket path, …
  if to == target then ours = ours + 1 end
  call:on_return(function(ret)
    print(string.format("[%d] %s(%s) = %d (ud %d)", pid,
      Seccomp.syscall_to_name(syscall), to, ret, ud))
  end)
end)

print(string.format("traced %d connects; %s", connects, tostring(status)))
os.exit(status:success() and ours == 3 and 0 or 1)
