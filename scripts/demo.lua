-- demo.lua: a non-interactive tour of sctrace-lua.
--
-- Runs a bash command under a seccomp filter that traces connect(2) and
-- denies mkdir(2), prints every traced connect with its decoded address and
-- its result, explains each result in a line, and ends with the command's
-- exit status.
--
--   sctrace-lua demo.lua [PORT]
--
-- Nothing needs to listen on PORT (default 9): refused connects are traced
-- like any other. Needs bash (for /dev/tcp). Exit status 0 when the three
-- connects were traced and bash succeeded.
local port = tonumber(arg[1]) or 9

print(string.format("demo: bash connects to 127.0.0.1:%d three times and runs mkdir, under a seccomp filter", port))
print("  with two rules: connect stops and reaches this script's callback (trace); mkdir fails with EPERM (errno).")

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
local explained = {}
local target = "127.0.0.1:" .. port
local status = Seccomp.start_trace(pid, function(syscall, pid, ud, call)
  connects = connects + 1
  local sa = call:sockaddr(2)
  local to = sa and sa.text or "?"     -- "127.0.0.1:9", a socket path, …
  local mine = to == target
  if mine then ours = ours + 1 end
  call:on_return(function(ret, done)
    local errno = done:decode(ret).errno
    print(string.format("[%d] %s(%s) = %d%s (ud %d)", pid,
      Seccomp.syscall_to_name(syscall), to, ret, errno and " " .. errno or "", ud))
    local kind = mine and "ours" or "other"
    if explained[kind] then return end
    explained[kind] = true
    if mine and errno == "ECONNREFUSED" then
      print("  ^ traced: the call stopped, this callback saw its address before the kernel ran it and its result after;")
      print("    ECONNREFUSED because nothing listens on port " .. port .. " — the expected result")
    elseif mine then
      print("  ^ traced: the call stopped and reached this callback before and after the kernel ran it")
    else
      print("  ^ bash's own lookup of its user (glibc asks nscd first): traced like any connect; nscd need not run")
    end
  end)
end)

print(string.format("traced %d connects; %s", connects, tostring(status)))
print("  ^ mkdir never stopped: the errno rule made the kernel refuse it with EPERM (\"Operation not permitted\"")
print("    above), with no callback involved — that refusal is the point of the rule")
os.exit(status:success() and ours == 3 and 0 or 1)
