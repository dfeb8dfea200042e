-- notify-openat.lua: run CMD with every open(2) and openat(2) performed
-- by the supervisor, without ptrace: the paths it may open are those
-- beneath DIR (any access), and, read-only, beneath /usr, /lib, /lib64,
-- /etc/ld.so.cache (for the dynamic loader and libc) and /etc/hostname;
-- anything else fails with EACCES.
--
--   bin/sctrace-lua scripts/notify-openat.lua DIR CMD [ARGS...]
--   bin/sctrace-lua scripts/notify-openat.lua /tmp/box sh -c 'echo hi >/tmp/box/a; cat /tmp/box/a /etc/hostname'
--
-- Race-free by construction: the supervisor reads the path once, decides
-- on it, opens exactly that itself (openat2 with RESOLVE_BENEATH,
-- RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS: no "..", symlink or /proc
-- link leaves the directory) and hands the caller the descriptor
-- (SECCOMP_IOCTL_NOTIF_ADDFD). A thread that rewrites the path buffer
-- after the check changes nothing: the kernel never reads it. Answering
-- CONTINUE after checking the path instead would let it (see README).
--
-- Only opens are emulated: this shows how to decide on paths, it is not a
-- whole sandbox (stat, execve, unlink … are not checked). openat2(2) fails
-- with ENOSYS (libc does not need it). A path through a symbolic link
-- fails with ELOOP. With SCTRACE_OPENAT_LOG set, each decision is printed
-- to stderr.
local dir, first = arg[1], 2
local cmd = {unpack(arg, first)}
if not dir or #cmd == 0 then
  io.stderr:write("usage: notify-openat.lua DIR CMD [ARGS...]\n")
  os.exit(2)
end
dir = dir:gsub("/+$", "")
if dir:sub(1, 1) ~= "/" then
  io.stderr:write("notify-openat.lua: DIR must be an absolute path\n")
  os.exit(2)
end
local readonly = {"/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/hostname"}
local log = os.getenv("SCTRACE_OPENAT_LOG")

local pid = Process.fork(function()
  Seccomp.new({default = "allow"}, function(ctx)
    ctx:notify("openat")
    if pcall(Seccomp.syscall_to_i, "open") then ctx:notify("open") end
    ctx:add_rule({"errno", "ENOSYS"}, "openat2")
  end):load()
  exec(unpack(cmd))
end)

local AT_FDCWD = -100

-- bit tests on the open flags (Lua 5.1 has no bit operators)
local function has(flags, bit) return math.floor(flags / bit) % 2 == 1 end
local O_CREAT, O_TRUNC, O_CLOEXEC = 0x40, 0x200, 0x80000

-- lexical normalization of an absolute path: only to find which directory
-- it names; the kernel's resolution beneath that directory is the check.
local function normalize(p)
  local out = {}
  for part in p:gmatch("[^/]+") do
    if part == ".." then
      if #out == 0 then return nil end
      table.remove(out)
    elseif part ~= "." then
      out[#out + 1] = part
    end
  end
  return "/" .. table.concat(out, "/")
end

-- beneath(root, p) → the path of p relative to root, or nil
local function beneath(root, p)
  if p == root then return "." end
  if p:sub(1, #root + 1) == root .. "/" then return p:sub(#root + 2) end
end

local function decide(call)
  local pathArg, dirfd, flags, mode = 2, call.args[1], call.args[3], call.args[4]
  if call.name == "open" then
    pathArg, dirfd, flags, mode = 1, AT_FDCWD, call.args[2], call.args[3]
  end
  local path = call:string(pathArg)
  if not path then return {"errno", "EFAULT"} end
  if path:sub(1, 1) ~= "/" then
    local base = dirfd == AT_FDCWD and call:cwd() or call:fd_path(1)
    if not base then return {"errno", "EBADF"} end
    path = base .. "/" .. path
  end
  local full = normalize(path)
  if not full then return {"errno", "EACCES"} end
  local rel = beneath(dir, full)
  local root = dir
  if not rel then
    local write = flags % 4 ~= 0 or has(flags, O_CREAT) or has(flags, O_TRUNC)
    for _, r in ipairs(readonly) do
      rel = beneath(r, full)
      if rel then root = r break end
    end
    if not rel or write then return {"errno", "EACCES"}, full end
  end
  if rel == "." and full ~= "/" then
    -- the entry itself (a file, say): open it beneath its directory
    root, rel = full:match("^(.*)/([^/]+)$")
    if root == "" then root = "/" end
  end
  local fd, _, errno = Seccomp.open_beneath(root, rel, flags, mode)
  if not fd then return {"errno", errno or "EACCES"}, full end
  return {"fd", fd, cloexec = has(flags, O_CLOEXEC)}, full
end

local status = Seccomp.start_trace(pid, function(syscall, pid, ud, call)
  local d, full = decide(call)
  if log then
    io.stderr:write(string.format("[%d] %s %s -> %s\n", pid, call.name, full or "?", d[1] == "fd" and "opened" or d[2]))
  end
  return d
end)
os.exit(status:to_i())
