-- The socket-call readers and the "emulate" decision, on bash's
-- /dev/udp and /dev/tcp (connect on a UDP socket runs inline; a refused TCP
-- connect to a closed loopback port is held and answered ECONNREFUSED).
local function traced(script, cb)
  local pid = Process.fork(function()
    Seccomp.new({default = "allow"}, function(r)
      r:trace("connect", 0) r:trace("sendto", 0) r:trace("mkdir", 0)
    end):load()
    exec("bash", "-c", script)
  end)
  return Seccomp.start_trace(pid, cb)
end

local seen = {}
local st = traced("exec 3<>/dev/udp/127.0.0.1/9 && echo x >&3; exec 4<>/dev/tcp/127.0.0.1/1 2>/dev/null; echo tcp=$? >&2; exit 7",
  function(nr, pid, ud, call)
    if call.name ~= "connect" then return end
    local list, so = call:addresses()
    assert(list, so)
    assert(#list == 1 and list[1].use == "ip" and list[1].addr == "127.0.0.1" and list[1].given == "inet", list[1].text)
    local s = call:socket(1)
    assert(s.family == "inet" and s.family == so.family and s.type == so.type, s.family)
    -- call:sockaddr on the address argument is the same snapshot
    local sa = call:sockaddr(2)
    assert(sa.addr == list[1].addr and sa.port == list[1].port)
    assert(call:files_shared() == false)
    call:on_return(function(ret) seen[#seen + 1] = s.type .. "=" .. ret end)
    return "emulate"
  end)
assert(st:exitstatus() == 7, tostring(st))
assert(#seen == 2 and seen[1] == "dgram=0" and seen[2] == "stream=-111", table.concat(seen, ","))

-- "emulate" at a call that is no socket call is a callback error; the
-- socket readers there raise
local ok, err = pcall(traced, "mkdir /nonexistent/x", function(nr, pid, ud, call)
  local rok, rerr = pcall(call.addresses, call)
  assert(not rok and tostring(rerr):find("not a socket call"), tostring(rerr))
  local s, why = call:socket(1)
  assert(s == nil and why, "socket() of a path argument")
  return "emulate"
end)
assert(not ok and tostring(err):find('returned "emulate": mkdir not a socket call', 1, true), tostring(err))
print("ok")
