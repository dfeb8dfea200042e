-- readonly-fs: nothing outside an allow-list is modified, by any syscall.
--
--   sctrace-lua run -p readonly-fs -- make install
--   sctrace-lua run -p 'readonly-fs:allow=/tmp;/var/tmp;/dev' -- CMD
--   sctrace-lua run -p 'readonly-fs:allow=.,read=/usr;/lib;/etc;.' -- CMD
--
-- Enforced by the kernel, with no stop in the tracer:
-- * a Landlock layer handles every right that changes the filesystem
--   (write, truncate, create files of any kind, remove, rename or link
--   across directories, device ioctls) and allows them only beneath the
--   allowed directories and files. The kernel resolves every path itself,
--   so symlinks, /proc/self/fd/N magic links, bind mounts, relative paths,
--   renames, hard links and io_uring all meet the same check, and there is
--   no path in tracee memory to race. Refusals fail with EACCES (EXDEV for
--   a rename or link out of the allowed set, as the kernel reports it).
--   Device nodes cannot be made even inside the allowed set (a root
--   program would reach raw disks through them). A landlocked program
--   cannot mount or unmount.
-- * seccomp refuses open_by_handle_at (it opens by inode, not by path),
--   kernel module loading and kexec (EPERM), TIOCSTI/TIOCLINUX, and, with
--   metadata=deny (the default), every chmod/chown/setxattr/removexattr
--   and the inode-flags ioctls (chattr): Landlock does not cover file
--   metadata, and seccomp cannot tell where such a call's target is.
--
-- Options:
--   allow     ";"-separated directories and files that may be modified
--             (default "/tmp;/dev/null;/dev/tty;/dev/pts"; entries of the
--             default that do not exist are skipped, given ones must exist)
--   read      ";"-separated directories and files that may be read and
--             executed; empty (the default) leaves reading unrestricted.
--             When set, the allowed set is readable too.
--   metadata  "deny" (default): metadata changes fail with EPERM everywhere;
--             "allow": they are not restricted (modes, owners and xattrs
--             of protected files are then not protected)
-- Timestamps (utimensat) are not protected.
local M = {
  description = "nothing outside allow is modified (Landlock); metadata changes fail with EPERM",
  options = {allow = "/tmp;/dev/null;/dev/tty;/dev/pts", read = "", metadata = "deny"},
}

local default_allow = M.options.allow

local metadata_calls = {"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
  "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr"}
local FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR = 0x40086602, 0x401c5820
local root_calls = {"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"}

local function entries(list)
  local out = {}
  for e in list:gmatch("[^;]+") do out[#out + 1] = e end
  return out
end

local function exists(path)
  local ok = pcall(function() Landlock.new({fs = "write_file"}):allow(path) end)
  return ok
end

function M.rules(rule, opts)
  if opts.metadata ~= "deny" and opts.metadata ~= "allow" then
    error(("readonly-fs: option metadata must be deny or allow, got %q"):format(tostring(opts.metadata)), 0)
  end
  rule:errno("EPERM", "open_by_handle_at")
  for _, c in ipairs(root_calls) do rule:errno("EPERM", c) end
  rule:guard("tiocsti")
  if opts.metadata == "deny" then
    for _, c in ipairs(metadata_calls) do rule:errno("EPERM", c) end
    rule:errno("EPERM", "ioctl", Seccomp.arg(2, "&=", 0xffffffff, FS_IOC_SETFLAGS))
    rule:errno("EPERM", "ioctl", Seccomp.arg(2, "&=", 0xffffffff, FS_IOC_FSSETXATTR))
  end
end

-- the rights allowed in the allowed set: every write right but making
-- device nodes
local writable = {"write_file", "remove_dir", "remove_file", "make_dir", "make_reg", "make_sock",
  "make_fifo", "make_sym", "refer", "truncate", "ioctl_dev"}

function M.landlock(opts)
  local fs = {"write"}
  local reads = entries(opts.read)
  if #reads > 0 then fs = {"write", "read", "execute"} end
  local ll = Landlock.new({fs = fs})
  for _, dir in ipairs(entries(opts.allow)) do
    if exists(dir) then
      ll:allow(dir, unpack(writable))
      if #reads > 0 then ll:allow(dir, "read", "execute") end
    elseif opts.allow ~= default_allow then
      error(("readonly-fs: option allow: %s does not exist (a Landlock rule needs an existing file or directory)"):format(dir), 0)
    end
  end
  for _, dir in ipairs(reads) do
    if not exists(dir) then
      error(("readonly-fs: option read: %s does not exist (a Landlock rule needs an existing file or directory)"):format(dir), 0)
    end
    ll:allow(dir, "read", "execute")
  end
  return ll
end

function M.guarantees(opts)
  local g = {
    {what = "no file or directory outside allow is written, truncated, created, removed, renamed or linked, "
      .. "by any path (symlinks, magic links, bind mounts, io_uring included)", by = "landlock",
      calls = {"open", "openat", "openat2", "creat", "truncate", "ftruncate", "rename", "renameat", "renameat2",
        "link", "linkat", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "symlink", "symlinkat"}},
    {what = "no device node is made; device ioctls only on allowed devices", by = "landlock", calls = {"mknod", "mknodat"}},
    {what = "no mount or unmount", by = "landlock", calls = {"mount", "umount2", "move_mount"}},
    {what = "open_by_handle_at, module loading and kexec fail with EPERM", by = "seccomp",
      calls = {"open_by_handle_at", "init_module", "finit_module", "kexec_load", "kexec_file_load"}},
    {what = "TIOCSTI/TIOCLINUX fail with EPERM (no typing into the terminal)", by = "seccomp", calls = {"ioctl"}},
  }
  if opts.metadata == "deny" then
    g[#g + 1] = {what = "chmod/chown/setxattr/removexattr and chattr fail with EPERM everywhere", by = "seccomp", calls = metadata_calls}
  end
  if opts.read ~= "" then
    g[#g + 1] = {what = "nothing outside read and allow is read or executed", by = "landlock", calls = {"open", "openat", "openat2", "execve", "execveat"}}
  end
  return g
end

return M
