-- deny-network: connect/bind/sendto to anything but loopback fail with EACCES.
--
--   sctrace-lua run -p deny-network -- curl http://example.com/
--   sctrace-lua run -p deny-network:errno=ECONNREFUSED -- CMD
--
-- Unix-domain and netlink sockets are left alone; sendto without an address
-- (on a connected socket) is allowed, since its connect was already checked.
-- The decision reads the address from the tracee's memory, so it is a
-- policy for well-behaved programs, not a security boundary (see README).
local M = {
  description = "connect/bind/sendto to non-loopback addresses fail with EACCES",
  options = {errno = "EACCES"},
}

local checked = {connect = 2, bind = 2, sendto = 5}   -- sockaddr argument index

function M.rules(rule, opts)
  for name in pairs(checked) do rule:trace(name, 0) end
end

local function loopback(sa)
  if sa.family == "inet" then return sa.addr:match("^127%.") ~= nil end
  if sa.family == "inet6" then
    return sa.addr == "::1" or sa.addr:match("^::ffff:127%.") ~= nil
  end
  return true   -- unix, netlink, …: not network traffic
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
  if not loopback(sa) then
    opts.log("deny-network: %s to %s%s refused (pid %d)", call.name,
      sa.addr or sa.path or sa.family, sa.port and (":" .. sa.port) or "", call.pid)
    return {"errno", opts.errno}
  end
end

return M
