-- limit-forks: at most N processes alive in the traced tree (the command
-- included); further fork/vfork/clone/clone3 calls fail with EAGAIN, as
-- RLIMIT_NPROC would make them.
--
--   sctrace-lua run -p limit-forks:max=20 -- make -j64
--
-- Threads do not count: clone with CLONE_THREAD never stops (kernel-side
-- condition), clone3 is checked by reading its flags.
local M = {
  description = "at most max processes alive in the traced tree; more forks fail with EAGAIN",
  options = {max = 20},
}

local CLONE_THREAD = 0x10000

function M.rules(rule, opts)
  if opts.max < 1 or opts.max % 1 ~= 0 then
    error(("limit-forks: option max must be a whole number >= 1, got %s"):format(tostring(opts.max)), 0)
  end
  rule:trace("fork", 0)
  rule:trace("vfork", 0)
  rule:trace("clone", 0, Seccomp.arg(1, "&=", CLONE_THREAD, 0))
  rule:trace("clone3", 0)
end

local live, children = 1, {}

local function is_thread(call)
  if call.name ~= "clone3" then return false end
  local b = call:bytes(1, 4)
  if not b or #b < 3 then return false end
  return math.floor(b:byte(3) % 2) == 1   -- bit 16 of the little-endian flags
end

function M.on_syscall(call, opts)
  if is_thread(call) then return end
  if live >= opts.max then
    opts.log("limit-forks: %s refused in pid %d (%d processes alive, max %d)", call.name, call.pid, live, opts.max)
    return {"errno", "EAGAIN"}
  end
  live = live + 1   -- count it now: a sibling thread may fork before it returns
  call:on_return(function(ret)
    if ret > 0 then children[ret] = true else live = live - 1 end
  end)
end

function M.on_process_exit(pid, status, opts)
  if children[pid] then
    children[pid] = nil
    live = live - 1
  end
end

return M
