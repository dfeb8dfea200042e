-- deny-network: IP traffic only to allowed addresses (default: loopback).
--
--   sctrace-lua run -p deny-network -- curl http://example.com/
--   sctrace-lua run -p deny-network:errno=ECONNREFUSED -- CMD
--   sctrace-lua run -p 'deny-network:allow=127.0.0.1/32;10.0.0.0/8' -- CMD
--
-- Options: errno (default EACCES); allow, the permitted addresses as
-- ";"-separated IPv4 CIDRs and exact IPv6 addresses (default: loopback,
-- 127.0.0.0/8;::1). IPv4-mapped IPv6 addresses are checked as IPv4.
--
-- How it holds against the program it confines:
-- * connect, bind, sendto (with an address), sendmsg and sendmmsg on IP
--   sockets are emulated: the tracer reads the call's addresses once, checks
--   every one (every message of a sendmmsg) as the kernel will read it for
--   the socket's actual family (call:addresses: an AF_UNSPEC address on an
--   AF_INET UDP socket is an IPv4 address), and performs the call itself on
--   its own copy of the socket with exactly the bytes it checked. A refused
--   call fails with errno; a malformed one gets the kernel's own answer
--   (a 4-byte sockaddr: EINVAL). No other thread can change what is sent.
-- * unix and netlink sockets are left alone: when no other task shares the
--   caller's fd table the call runs as is (what fd N is cannot change
--   meanwhile), else it is emulated too, so fd N cannot turn into an IP
--   socket between the check and the call.
-- * the kernel refuses what the tracer could not follow: sockets of any
--   other family (packet, vsock, bluetooth… fail with EAFNOSUPPORT), raw
--   and SOCK_PACKET IP sockets, SCTP and MPTCP (another address in memory
--   or from the peer), IP options and IPv6 routing headers (source routes:
--   the first hop is not the checked address), IPV6_ADDRFORM (which turns
--   an IPv6 socket into an IPv4 one), and, added by `run` for every policy
--   that decides in the tracer, io_uring (submissions no stop sees).
-- * listen on an IP socket is allowed when the socket is bound to an
--   allowed address (an unbound socket would listen on every address);
--   this check reads the socket's state, which another thread can change
--   (advisory).
-- Sockets connected before the command started (inherited fds) are not
-- checked.
local M = {
  description = "IP traffic only to allowed addresses (connect/bind/send emulated by the tracer); other errno EACCES",
  options = {errno = "EACCES", allow = "127.0.0.0/8;::1"},
}

M.guarantees = {
  {what = "connect, bind, sendto, sendmsg and sendmmsg reach only allowed IP addresses: every address (every message) "
    .. "read once as the kernel reads it for the socket's family, the call performed by the tracer with those bytes",
    by = "emulated", calls = {"connect", "bind", "sendto", "sendmsg", "sendmmsg"}},
  {what = "unix and netlink calls run as they are only when no other task shares the caller's fd table, else emulated",
    by = "emulated", calls = {"connect", "bind", "sendto", "sendmsg", "sendmmsg"}},
  {what = "no packet, raw, SCTP, MPTCP or other-family socket is created; no IP options, IPv6 routing headers or IPV6_ADDRFORM",
    by = "seccomp", calls = {"socket", "setsockopt"}},
  {what = "listen only on a socket bound to an allowed address (socket state, not memory, but racy)",
    by = "inspected", calls = {"listen"}},
}

local checked = {connect = true, bind = true, sendto = true, sendmsg = true, sendmmsg = true}

local AF_INET, AF_INET6, AF_NETLINK = 2, 10, 16
local SOCK_RAW, SOCK_PACKET = 3, 10
local IPPROTO_SCTP, IPPROTO_MPTCP = 132, 262
local SOL_IP, SOL_IPV6 = 0, 41
local IP_OPTIONS = 4
local IPV6_ADDRFORM, IPV6_2292RTHDR, IPV6_2292PKTOPTIONS, IPV6_NEXTHOP, IPV6_RTHDR = 1, 5, 6, 9, 57

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
  local ok = pcall(Seccomp.errno, opts.errno)
  if not ok then error(("deny-network: option errno: unknown errno %q"):format(tostring(opts.errno)), 0) end
  for entry in opts.allow:gmatch("[^;,%s]+") do
    if not valid_entry(entry) then
      error(("deny-network: option allow: bad entry %q (expected a.b.c.d/n or an IPv6 address)"):format(entry), 0)
    end
  end
  for name in pairs(checked) do
    if name == "sendto" then
      -- sendto without an address uses the connected peer, whatever fd
      -- it is: it never stops
      rule:trace("sendto", 0, Seccomp.arg(5, "!=", 0))
    else
      rule:trace(name, 0)
    end
  end
  rule:trace("listen", 0)
  -- socket families: unix (1), inet, inet6, netlink; others fail
  for fam = 0, 15 do
    if fam ~= 1 and fam ~= AF_INET and fam ~= AF_INET6 then
      rule:errno("EAFNOSUPPORT", "socket", Seccomp.arg(1, "&=", 0xffffffff, fam))
    end
  end
  rule:errno("EAFNOSUPPORT", "socket", Seccomp.arg(1, ">", AF_NETLINK))
  for _, fam in ipairs({AF_INET, AF_INET6}) do
    rule:errno(opts.errno, "socket", Seccomp.arg(1, "&=", 0xffffffff, fam), Seccomp.arg(2, "&=", 0xf, SOCK_RAW))
    rule:errno(opts.errno, "socket", Seccomp.arg(1, "&=", 0xffffffff, fam), Seccomp.arg(2, "&=", 0xf, SOCK_PACKET))
    rule:errno("EPROTONOSUPPORT", "socket", Seccomp.arg(1, "&=", 0xffffffff, fam), Seccomp.arg(3, "&=", 0xffffffff, IPPROTO_SCTP))
    rule:errno("EPROTONOSUPPORT", "socket", Seccomp.arg(1, "&=", 0xffffffff, fam), Seccomp.arg(3, "&=", 0xffffffff, IPPROTO_MPTCP))
  end
  rule:errno(opts.errno, "setsockopt", Seccomp.arg(2, "&=", 0xffffffff, SOL_IP), Seccomp.arg(3, "&=", 0xffffffff, IP_OPTIONS))
  for _, o in ipairs({IPV6_ADDRFORM, IPV6_2292RTHDR, IPV6_2292PKTOPTIONS, IPV6_NEXTHOP, IPV6_RTHDR}) do
    rule:errno(opts.errno, "setsockopt", Seccomp.arg(2, "&=", 0xffffffff, SOL_IPV6), Seccomp.arg(3, "&=", 0xffffffff, o))
  end
end

-- allowed(addr, list): list entries are "a.b.c.d/n" or an exact IPv6 address
local function allowed(addr, list)
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

local function refuse(call, opts, what)
  opts.log("deny-network: %s to %s refused (pid %d)", call.name, what, call.pid)
  return {"errno", opts.errno}
end

function M.on_syscall(call, opts)
  if call.name == "listen" then
    local so = call:socket(1)
    if so and (so.family == "inet" or so.family == "inet6") then
      local addr = so.local_addr or (so.family == "inet" and "0.0.0.0" or "::")
      if not allowed(addr, opts.allow) then return refuse(call, opts, addr) end
    end
    return
  end
  if not checked[call.name] then return end
  local list, so = call:addresses()
  if not list then
    -- not a socket, not open, or out of the tracer's reach: the emulated
    -- call answers as the kernel would (EBADF, ENOTSOCK), or EPERM
    return "emulate"
  end
  if so.family == "unix" or so.family == "netlink" then
    if call:files_shared() == false then return end
    return "emulate"
  end
  if so.family ~= "inet" and so.family ~= "inet6" then
    return refuse(call, opts, so.family .. " socket")
  end
  for _, a in ipairs(list) do
    if a.use == "ip" and not allowed(a.addr, opts.allow) then
      return refuse(call, opts, a.text)
    end
  end
  return "emulate"
end

return M
