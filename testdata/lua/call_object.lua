-- The call object against real processes. arg[1]: scratch dir, arg[2]: TCP
-- port of a listener on 127.0.0.1 (also ::1 when arg[3] is "v6").
local dir, port = arg[1], tonumber(arg[2])
local function trace(rules, cmd, cb)
  local pid = Process.fork(function()
    local ctx = Seccomp.new({default = "allow"}, rules)
    ctx:load()
    exec("/bin/bash", "-c", cmd)
  end)
  return Seccomp.start_trace(pid, cb)
end

-- strings and fds
trace(function(r) r:trace("mkdir", 0); r:trace("write", 0, Seccomp.arg(1, "==", 1)) end,
  "mkdir " .. dir .. "/s; echo hi > /dev/null; echo out",
  function(nr, pid, ud, call)
    if call.name == "mkdir" then
      print("string", call:string(1), #call:string(1, 3), select(2, call:string(1, 3)))
      print("bytes", call:bytes(1, 4))
      print("args", call.args[1] > 0, call.nr, call.pid == pid, call.tid == pid, call.ud)
    else
      local p = call:fd_path(1)
      print("fd_path", p == "/dev/null" and p or "(stdout)", call.args[1], call.args[3])
    end
  end)

-- sockaddrs: IPv4, IPv6, unix
trace(function(r) r:trace("connect", 5) end,
  string.format("(exec 3<>/dev/tcp/127.0.0.1/%d); %s (python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(\"%s/sock\")' 2>/dev/null || true)",
    port, arg[3] == "v6" and string.format("(exec 3<>/dev/tcp/::1/%d);", port) or "", dir),
  function(nr, pid, ud, call)
    local sa = call:sockaddr(2)
    if sa.family == "unix" then
      print("sockaddr", sa.family, sa.path == dir .. "/sock", sa.text == sa.path)
    else
      print("sockaddr", sa.family, sa.addr, sa.port == port, sa.text)
    end
  end)

-- unreadable memory: nil, reason
trace(function(r) r:trace("mkdir", 0) end, "mkdir " .. dir .. "/u",
  function(nr, pid, ud, call)
    call:set_arg(1, 16)   -- a pointer into the unmapped first page
    local s, err = call:string(1)
    print("unreadable", s, err ~= nil)
    return {"errno", "EFAULT"}
  end)

-- deny, fake, set_arg, on_return
local real_ppid
local st = trace(function(r) r:trace("getppid", 0); r:trace("mkdir", 0); r:trace("rmdir", 0) end,
  "umask 022; mkdir " .. dir .. "/mode; rmdir " .. dir .. "/nope 2>/dev/null; echo rmdir=$?; echo ppid=$PPID",
  function(nr, pid, ud, call)
    if call.name == "mkdir" then
      call:set_arg(2, tonumber("700", 8))
      call:on_return(function(ret, c) print("mkdir returned", ret, c.name) end)
    elseif call.name == "rmdir" then
      return {"errno", "ENOTEMPTY"}
    elseif call.name == "getppid" then
      call:on_return(function(ret) real_ppid = ret return 4242 end)
    end
  end)
print("real ppid is the tracer's", real_ppid == Process.pid(), tostring(st):match("exited%(%d+%)"))

-- {"retval", n} skips the call
trace(function(r) r:trace("getppid", 0) end, "echo ppid=$PPID",
  function() return {"retval", 777} end)

-- the call object is dead after its callback
local saved
trace(function(r) r:trace("getppid", 0) end, "true", function(nr, pid, ud, call) saved = call end)
print("stale", pcall(saved.string, saved, 1))
print("stale fields still readable", saved.name)
