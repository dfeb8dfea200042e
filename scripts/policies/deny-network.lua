-- deny-network: connect/bind/sendto to anything but loopback fail with EACCES.
--
--   sctrace-lua run -p deny-network -- curl http://example.com/
--   sctrace-lua run -p deny-network:errno=ECONNREFUSED -- CMD
--   sctrace-lua run -p 'deny-network:allow=127.0.0.1/32;10.0.0.0/8' -- CMD
--
-- Options: errno (default EACCES); allow, the permitted destinations as
-- ";"-separated IPv4 CIDRs and exact IPv6 addresses (default: loopback,
-- 127.0.0.0/8;::1). IPv4-mapped IPv6 addresses are checked as IPv4.
-- Unix-domain and netlink sockets are left alone; sendto without an address
-- (on a connected socket) is allowed, since its connect was already checked.
-- The decision reads the address from the tracee's memory, so it is a
-- policy for well-behaved programs, not a security boundary (see README).
local M = {
  description = "connect/bind/sendto to non-loopback addresses fail with EACCES",
  options = {errno = "EACCES", allow = "127.0.0.0/8;::1"},
}

local checked = {connect = 2, bind = 2, sendto = 5}   -- sockaddr argument index

local function ipv4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function valid_entry(entry)
  local net, bits = entry:match("^([%d%.]+)/(%d+)$")
  if not net then net, bits = entry, "32" end
  local v4 = ipv4(net)
  if v4 then
    for n in net:gmatch("%d+") do if tonumber(n) > 255 then return false end end
    return tonumber(bits) <= 32
  end
  return entry:find(":", 1, true) ~= nil and entry:match("^[%x:%.]+$") ~= nil
end

function M.rules(rule, opts)
  -- Check the options now: a typo must fail before the command runs, not
  -- at its first connect.
  local ok, err = pcall(Seccomp.errno, opts.errno)
  if not ok then error(("deny-network: option errno: unknown errno %q"):format(tostring(opts.errno)), 0) end
  for entry in opts.allow:gmatch("[^;,%s]+") do
    if not valid_entry(entry) then
      error(("deny-network: option allow: bad entry %q (expected a.b.c.d/n or an IPv6 address)"):format(entry), 0)
    end
  end
  for name in pairs(checked) do rule:trace(name, 0) end
end

-- allowed(sa, list): list entries are "a.b.c.d/n" or an exact IPv6 address
local function allowed(sa, list)
  if sa.family ~= "inet" and sa.family ~= "inet6" then
    return true   -- unix, netlink, …: not network traffic
  end
  local addr = sa.addr
  local mapped = addr:match("^::ffff:(%d+%.%d+%.%d+%.%d+)$")
  if mapped then addr = mapped end
  local v4 = ipv4(addr)
  for entry in list:gmatch("[^;,%s]+") do
    local net, bits = entry:match("^([%d%.]+)/(%d+)$")
    if not net and ipv4(entry) then net, bits = entry, "32" end
    if net and v4 then
      local size = 2 ^ (32 - tonumber(bits))
      if math.floor(v4 / size) == math.floor(ipv4(net) / size) then return true end
    elseif not net and entry == addr then
      return true
    end
  end
  return false
end

function M.on_syscall(call, opts)
  local i = checked[call.name]
  if not i then return end
  if call.name == "sendto" and call.args[5] == 0 then return end
  local sa, err = call:sockaddr(i, i + 1)
  if not sa then
    -- Unreadable address: the kernel would fail with EFAULT; refuse it.
    return {"errno", opts.errno}
  end
  if not allowed(sa, opts.allow) then
    opts.log("deny-network: %s to %s refused (pid %d)", call.name, sa.text, call.pid)
    return {"errno", opts.errno}
  end
end

return M
