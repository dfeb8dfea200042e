-- sctrace.profile: what `sctrace-lua run` adds for OCI/Docker profiles
-- (--profile, --audit, --cap-add, --cap-drop) and structured events
-- (--json). Used by run.lua; usable from any script:
--
--   local prof = require "sctrace.profile"
--   local p = assert(Seccomp.profile("docker-default", {audit = true}))
--   local r = prof.runner({profile = p, set = set, log = log})
--   -- r.filters: load them in order in the fork block; r.on_syscall,
--   -- r.on_exit wrap the policy set's
local M = {}

-- The words `explain` uses for where a decision is enforced
-- (sctrace.policy's layers).
local layers = require("sctrace.policy").layers
M.KERNEL = layers.seccomp
M.OBSERVED = "tracer (observes: no guarantee)"

-- layer_of(set, who, name): the layer of the guarantee policy `who` states
-- for syscall `name`; a policy that states none for it only observes.
local function layer_of(set, who, name)
  for _, g in ipairs(set.guarantees or {}) do
    if g.policy == who then
      for _, c in ipairs(g.calls or {}) do
        if c == name then return layers[g.by] end
      end
    end
  end
  return M.OBSERVED
end

-- SECCOMP_SET_MODE_FILTER: the exec step installs each filter with
-- seccomp(SECCOMP_SET_MODE_FILTER, 0, prog).
local SET_MODE_FILTER = 1

-- M.filters(set [, profile]) → the filters to load, in order: the
-- policies' (set.filters, or set.context), then the profile, which goes
-- last. Every allow-list filter that is followed by another must let the
-- exec step install it: it gains a rule allowing exactly
-- seccomp(SECCOMP_SET_MODE_FILTER, 0, …), which can only add filters.
function M.filters(set, profile)
  local list = {}
  for _, f in ipairs(set.filters or {set.context}) do
    -- an empty default-allow filter (no -p policy, only --profile) would
    -- only cost its run on every call
    if #f:rules() > 0 or f:default_action() ~= "allow" then list[#list + 1] = f end
  end
  if profile then list[#list + 1] = profile end
  for i = 1, #list - 1 do
    local f = list[i]
    if f.default_action and f:default_action() ~= "allow" then
      local ok, err = pcall(f.allow, f, "seccomp", Seccomp.arg(1, "==", SET_MODE_FILTER), Seccomp.arg(2, "==", 0))
      if not ok then
        error(("an allow-list policy stacked before another filter must allow seccomp(SECCOMP_SET_MODE_FILTER, 0): %s"):format(tostring(err)), 0)
      end
    end
  end
  return list
end

-- the user data each syscall's trace rule carries in the policies'
-- filters: a stop the profile took (its filter is the newest, so its data
-- wins) still reaches the policies that trace the syscall.
local function policy_uds(set)
  local uds = {}
  for _, f in ipairs(set.filters or {set.context}) do
    for _, r in ipairs(f:rules()) do
      local ud = r.action:match("^trace%((%d+)%)$")
      if ud then uds[r.nr] = tonumber(ud) end
    end
  end
  return uds
end

local function decision_of(d)
  if d == nil or d == "allow" then return {decision = "allow"} end
  if type(d) == "string" then return {decision = d} end
  if type(d) == "table" then
    if d[1] == "errno" then
      return {decision = "errno", errno = tostring(d[2])}
    end
    if d[1] == "retval" then return {decision = "retval", retval = d[2]} end
  end
  return {decision = tostring(d)}
end

-- M.runner(o) → {filters, on_syscall, on_exit, on_process_exit, log_for}
--   o.set      the composed policy set (sctrace.policy.compose)
--   o.profile  a Seccomp.profile, or nil
--   o.events   a Seccomp.events writer (JSON Lines), or nil for text
--   o.log      the text log function (fmt, ...)
function M.runner(o)
  local set, prof, events, textlog = o.set, o.profile, o.events, o.log
  local r = {filters = M.filters(set, prof)}
  local uds = policy_uds(set)
  local reported, refusals, patterns = {}, 0, 0
  local current -- the call being decided, for log lines
  local pname = prof and prof:name()

  -- log_for(name) is the opts.log of policy `name`.
  function r.log_for(name)
    if not events then return textlog end
    return function(fmt, ...)
      local ev = {type = "log", policy = name, message = fmt:format(...)}
      if current then
        events:emit(ev, current)
      else
        events:emit(ev)
      end
    end
  end

  local function report(rf, call)
    refusals = refusals + 1
    if reported[rf.key] then return end
    reported[rf.key] = true
    patterns = patterns + 1
    if events then
      local kind = rf.notify and "notify" or "audit"
      events:emit({type = kind, profile = pname, rule = rf.rule, outcome = rf.outcome, errno = rf.errno,
        decision = rf.notify and "notify" or rf.action:lower():gsub("^scmp_act_", ""), layer = M.KERNEL}, call)
    elseif rf.notify then
      textlog("notify: %s hands %s to its seccomp agent (%s); no agent here, it runs [pid %d]", pname, call:format(), rf.rule, call.pid)
    else
      textlog("audit: %s refuses %s with %s (%s) [pid %d]", pname, call:format(), rf.outcome, rf.rule, call.pid)
    end
  end

  function r.on_syscall(nr, pid, ud, call)
    if prof and ud >= Seccomp.PROFILE_UD then
      local rf = prof:refusal(call)
      if rf then
        report(rf, call)
        ud = uds[nr]
        if not ud then return nil end -- no policy traces it: it runs
      end
    end
    current = call
    local d, who = set.on_syscall(nr, pid, ud, call)
    current = nil
    if events then
      local ev = decision_of(d)
      ev.type = "decision"
      if who then
        ev.policy, ev.rule, ev.layer = who, who .. ".on_syscall", layer_of(set, who, call.name)
      else
        local names = {}
        for _, p in ipairs(set.routes and set.routes[nr] or {}) do names[#names + 1] = p.name end
        ev.policy = table.concat(names, ",")
        ev.layer = #names == 1 and layer_of(set, names[1], call.name) or M.OBSERVED
      end
      events:emit(ev, call)
    end
    return d
  end

  function r.on_process_exit(pid, status)
    return set.on_process_exit(pid, status)
  end

  function r.on_exit(status)
    set.on_exit(status)
    if prof and prof:info().audit then
      local msg
      if refusals == 0 then
        msg = ("audit: %s refuses nothing the command did"):format(pname)
      else
        msg = ("audit: %s would refuse %d call%s (%d pattern%s reported above)"):format(pname,
          refusals, refusals == 1 and "" or "s", patterns, patterns == 1 and "" or "s")
      end
      if events then events:emit({type = "summary", profile = pname, message = msg}) else textlog("%s", msg) end
    end
    if events then
      events:emit({type = "exit", status = tostring(status):match("pid=%d+,(.-)>$") or tostring(status),
        exit_code = status:to_i(), pid = status.pid})
    end
  end
  if not prof and not events then r.on_syscall = set.on_syscall end -- nothing to add per stop
  return r
end

return M
