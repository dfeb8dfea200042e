-- readonly-fs: opening a file for writing outside an allow-list fails with EROFS.
--
--   sctrace-lua run -p readonly-fs -- make install
--   sctrace-lua run -p 'readonly-fs:allow=/tmp;/var/tmp;/dev' -- CMD
--
-- Only opens that could write stop (open/openat/creat with O_WRONLY, O_RDWR,
-- O_CREAT or O_TRUNC, chosen in the kernel filter), plus every openat2.
-- Reads never stop. Relative paths are resolved against the process's cwd
-- or the dirfd, lexically (symlinks are not followed). The path is read from
-- the tracee's memory, so this is a guard for well-behaved programs, not a
-- security boundary (see README).
--
-- Options: allow (";"-separated directories or files; default
-- "/tmp;/dev/null;/dev/tty;/dev/pts"), errno (default EROFS).
local M = {
  description = "opening files for writing outside an allow-list fails with EROFS",
  options = {allow = "/tmp;/dev/null;/dev/tty;/dev/pts", errno = "EROFS"},
}

local O_WRONLY, O_RDWR, O_ACCMODE, O_CREAT, O_TRUNC = 1, 2, 3, 0x40, 0x200
local AT_FDCWD = -100

-- path argument and flags argument of each call (1-based)
local calls = {open = {1, 2}, openat = {2, 3}, creat = {1, nil}, openat2 = {2, nil}}

function M.rules(rule, opts)
  if not pcall(Seccomp.errno, opts.errno) then
    error(("readonly-fs: option errno: unknown errno %q"):format(tostring(opts.errno)), 0)
  end
  for name, a in pairs(calls) do
    local f = a[2]
    if f then
      rule:trace(name, 0, Seccomp.arg(f, "&=", O_ACCMODE, O_WRONLY))
      rule:trace(name, 0, Seccomp.arg(f, "&=", O_ACCMODE, O_RDWR))
      rule:trace(name, 0, Seccomp.arg(f, "&=", O_CREAT, O_CREAT))
      rule:trace(name, 0, Seccomp.arg(f, "&=", O_TRUNC, O_TRUNC))
    else
      rule:trace(name, 0)   -- creat always writes; openat2 keeps flags in memory
    end
  end
end

local function normalize(path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do
    if seg == ".." then
      parts[#parts] = nil
    elseif seg ~= "." then
      parts[#parts + 1] = seg
    end
  end
  return "/" .. table.concat(parts, "/")
end

local function under(path, dir)
  dir = normalize(dir)
  return dir == "/" or path == dir or path:sub(1, #dir + 1) == dir .. "/"
end

-- flags of openat2 from struct open_how (u64 flags first, little-endian)
local function how_flags(call)
  local b = call:bytes(3, 8)
  if not b or #b < 8 then return nil end
  local v = 0
  for i = 4, 1, -1 do v = v * 256 + b:byte(i) end   -- the low 32 bits hold every O_ flag
  return v
end

function M.on_syscall(call, opts)
  local a = calls[call.name]
  if not a then return end
  if call.name == "openat2" then
    local f = how_flags(call)
    if f and f % 4 == 0 and math.floor(f / O_CREAT) % 2 == 0 and math.floor(f / O_TRUNC) % 2 == 0 then
      return   -- read-only open
    end
  end
  local path, err = call:string(a[1])
  if not path then return {"errno", "EFAULT"} end
  if path:sub(1, 1) ~= "/" then
    local base
    if call.name == "openat" or call.name == "openat2" then
      if call.args[1] == AT_FDCWD then base = call:cwd() else base = call:fd_path(1) end
    else
      base = call:cwd()
    end
    if not base then return {"errno", opts.errno} end
    path = base .. "/" .. path
  end
  path = normalize(path)
  for dir in opts.allow:gmatch("[^;]+") do
    if under(path, dir) then return end
  end
  opts.log("readonly-fs: %s(%q) for writing refused (pid %d)", call.name, path, call.pid)
  return {"errno", opts.errno}
end

return M
