-- limit-forks: at most N processes alive in the traced tree (the command
-- included); further fork/vfork/clone calls fail with EAGAIN, as
-- RLIMIT_NPROC would make them.
--
--   sctrace-lua run -p limit-forks:max=20 -- make -j64
--
-- Threads do not count: clone with CLONE_THREAD never stops (kernel-side
-- condition, re-checked from the registers at a stop some other filter
-- caused). The decision uses register values only, so it is race-free; as
-- a policy that decides in the tracer it gets the guards (see README):
-- clone3, whose flags seccomp cannot see, fails with ENOSYS (libc falls
-- back to clone), CLONE_UNTRACED fails, ptrace fails.
--
-- Counting: a fork is counted when it is asked for (a sibling thread may
-- fork before it returns), settled at its return, and a child is uncounted
-- at its exit, whichever of its exit and its parent's return the tracer
-- sees first. A process killed in the middle of its own fork keeps that
-- fork counted (its return never comes, so whether a child was made is
-- unknown): the count errs on the side of refusing.
local M = {
  description = "at most max processes alive in the traced tree; more forks fail with EAGAIN",
  options = {max = 20},
  guarantees = {
    {what = "at most max processes alive in the traced tree (more fork/vfork/clone fail with EAGAIN)", by = "tracer",
      calls = {"fork", "vfork", "clone", "clone3"}},
  },
}

local CLONE_THREAD = 0x10000

function M.rules(rule, opts)
  if opts.max < 1 or opts.max % 1 ~= 0 then
    error(("limit-forks: option max must be a whole number >= 1, got %s"):format(tostring(opts.max)), 0)
  end
  rule:trace("fork", 0)
  rule:trace("vfork", 0)
  rule:trace("clone", 0, Seccomp.arg(1, "&=", CLONE_THREAD, 0))
end

local live = 1        -- processes alive or being forked (the command at first)
local alive = {}      -- pid → true: children whose fork returned, not yet exited
local early = {}      -- pid → true: children whose exit came before their fork returned

-- bit 16 of clone's flags, from the register (call.args holds a "0x…"
-- string for values a double cannot hold)
local function is_thread(call)
  local f = call.args[1]
  if type(f) ~= "number" then f = tonumber(call:arg(1):sub(-8), 16) or 0 end
  return math.floor(f / CLONE_THREAD) % 2 == 1
end

function M.on_syscall(call, opts)
  if call.name == "clone" and is_thread(call) then return end
  if call.name ~= "clone" and call.name ~= "fork" and call.name ~= "vfork" then return end
  if live >= opts.max then
    opts.log("limit-forks: %s refused in pid %d (%d processes alive, max %d)", call.name, call.pid, live, opts.max)
    return {"errno", "EAGAIN"}
  end
  live = live + 1
  call:on_return(function(ret)
    if ret <= 0 then
      live = live - 1            -- the fork failed: no child
    elseif early[ret] then
      early[ret] = nil           -- the child is already gone
      live = live - 1
    else
      alive[ret] = true
    end
  end)
end

function M.on_process_exit(pid, status, opts)
  if alive[pid] then
    alive[pid] = nil
    live = live - 1
  else
    early[pid] = true            -- settled when its fork returns
  end
end

return M
