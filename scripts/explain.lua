-- explain.lua: `sctrace-lua explain SCRIPT_OR_POLICY` — print the seccomp
-- filter a script or a policy would install, before running it.
--
--   sctrace-lua explain deny-network
--   sctrace-lua explain 'limit-forks:max=5' readonly-fs     (composed)
--   sctrace-lua explain scripts/sample-sh.lua
--
-- For each filter: the default action, a table of rules (syscall, number,
-- action, conditions) and libseccomp's PFC text. A script is run with
-- Process.fork blocks evaluated in place, exec() and start_trace()
-- stubbed out, so only the filters its blocks load are shown; code outside
-- the blocks still runs (print, file writes): explain only scripts you
-- would run anyway, or policies.
local policy = require "sctrace.policy"

local function die(msg)
  io.stderr:write("sctrace-lua explain: ", msg, "\n")
  os.exit(2)
end

if #arg == 0 or arg[1] == "-h" or arg[1] == "--help" then
  -- asked for, help goes to stdout; missing arguments are a usage error
  local out = #arg == 0 and io.stderr or io.stdout
  out:write("usage: sctrace-lua explain SCRIPT.lua [ARGS...]\n       sctrace-lua explain POLICY[:KEY=VALUE,...] [POLICY...]\n")
  os.exit(#arg == 0 and 2 or 0)
end

-- layer_of(rule) → the layer column of a rule: what keeps the promise
local function show(title, ctx, layer_of)
  print("== " .. title .. " ==")
  local rules = ctx:rules()
  local pfc = assert(ctx:export_pfc())
  local names, docs = ctx:guards()
  for _, g in ipairs(names) do
    print(string.format("guard %-10s %s (kernel, seccomp: a filter installed before this one)", g, docs[g]))
  end
  print(string.format("%-20s %5s  %-16s %-30s %s", "syscall", "nr", "action", "layer", "conditions"))
  for _, r in ipairs(rules) do
    print(string.format("%-20s %5d  %-16s %-30s %s", r.syscall, r.nr, r.action, layer_of and layer_of(r) or "",
      table.concat(r.conds, " && ")))
  end
  print(string.format("%-20s %5s  %s", "(any other)", "", ctx:default_action()))
  print("-- libseccomp PFC --")
  io.stdout:write(pfc)
  print()
end

local function is_script(target)
  return target:match("%.lua$") and not target:find(":", 1, true) and io.open(target) ~= nil
    and not (function()
      -- a file that returns a policy table is explained as a policy
      local fn = loadfile(target)
      if not fn then return false end
      local src = io.open(target):read("*a")
      return src:match("\nreturn%s+[%w_]+%s*$") ~= nil and src:find("on_syscall", 1, true) ~= nil
        -- a policy table returned whole, as `sctrace-lua learn` writes them
        or src:match("\nreturn%s*{") ~= nil and src:find("rules%s*=%s*function") ~= nil
    end)()
end

if not is_script(arg[1]) then
  local policies = {}
  for i = 1, #arg do
    local ok, p = pcall(policy.load, arg[i])
    if not ok then die(tostring(p)) end
    policies[#policies + 1] = p
  end
  -- best effort: explain what this kernel would enforce, and say what not
  local ok, set = pcall(policy.compose, policies, {best_effort = true})
  if not ok then die(tostring(set)) end
  for _, p in ipairs(policies) do
    local o = {}
    for k, v in pairs(p.opts) do if k ~= "log" then o[#o + 1] = k .. "=" .. tostring(v) end end
    table.sort(o)
    print(string.format("policy %s: %s%s", p.name, p.module.description,
      #o > 0 and (" [" .. table.concat(o, ", ") .. "]") or ""))
  end
  print()
  print("== guarantees ==")
  print(string.format("%-30s %-14s %s", "layer", "policy", "guarantee"))
  local by_call = {}
  for _, g in ipairs(set.guarantees) do
    print(string.format("%-30s %-14s %s", policy.layers[g.by], g.policy, g.what))
    for _, c in ipairs(g.calls or {}) do by_call[c] = by_call[c] or policy.layers[g.by] end
  end
  if #set.guarantees == 0 then print("(none: the policies only observe)") end
  for _, line in ipairs(set.dropped) do print("NOT ENFORCED on this kernel (run refuses without --best-effort): " .. line) end
  if set.tracer_side then
    print("the policies decide calls in the tracer: guards ptrace, untraced, io_uring" ..
      (set.tracer_domain and "; a Landlock layer scopes ptrace" .. (Landlock.abi() >= 6 and " and signals" or "") .. " (root tracees cannot reach the tracer)" or ""))
  end
  print()
  print(string.format("== Landlock: %d layers (ABI %d in use, kernel %d) ==", #set.landlock, Landlock.abi(), Landlock.kernel_abi()))
  for i, rs in ipairs(set.landlock) do
    local r = rs:rules()
    local handled = {}
    if #r.fs > 0 then handled[#handled + 1] = "fs " .. table.concat(r.fs, ",") end
    if #r.net > 0 then handled[#handled + 1] = "net " .. table.concat(r.net, ",") end
    if #r.scope > 0 then handled[#handled + 1] = "scope " .. table.concat(r.scope, ",") end
    print(string.format("layer %d handles %s", i, table.concat(handled, "; ")))
    for _, pr in ipairs(r.paths) do print(string.format("  allow %-30s %s", pr.path, table.concat(pr.access, ","))) end
    for _, pr in ipairs(r.ports) do print(string.format("  allow port %-25d %s", pr.port, table.concat(pr.access, ","))) end
  end
  print("(an access is allowed only where every layer that handles it allows it)")
  print()
  local filters = set.filters or {set.context}
  for i, f in ipairs(filters) do
    local title = "filter for " .. table.concat(arg, " + ")
    if #filters > 1 then title = ("%s (%d of %d, stacked: the strictest answer wins)"):format(title, i, #filters) end
    show(title, f, function(r)
      if not r.action:match("^trace") then return policy.layers.seccomp end
      return by_call[r.syscall] or "tracer (observes: no guarantee)"
    end)
  end
  os.exit(0)
end

-- A script: evaluate its fork blocks in place and collect what they load.
local loaded = {}
local probe = Seccomp.new({default = "allow"})
local methods = getmetatable(probe).__index
methods.load = function(self) loaded[#loaded + 1] = self return self end
local EXEC = {}
local function stub_exec() error(EXEC, 0) end
exec, Process.exec = stub_exec, stub_exec
local fake = 0
Process.fork = function(fn)
  local ok, err = pcall(fn)
  if not ok and err ~= EXEC then
    io.stderr:write("sctrace-lua explain: a fork block raised: ", tostring(err), "\n")
  end
  fake = fake - 1
  return fake
end
local status = {pid = 0}
function status.exited() return true end
function status.exitstatus() return 0 end
function status.success() return true end
function status.signaled() return false end
function status.termsig() return nil end
function status.to_i() return 0 end
setmetatable(status, {__tostring = function() return "#<Process::Status: explain>" end})
Seccomp.start_trace = function() return status end
Process.waitpid = function(pid) return pid, status end
Process.waitpid2 = Process.waitpid
Process.wait = Process.waitpid
Process.kill = function() return 0 end
os.exit = function() error(EXEC, 0) end

local target = arg[1]
local fn, err = loadfile(target)
if not fn then die(err) end
local args = {unpack(arg, 2)}
arg = {[0] = target, unpack(args)}
local ok, rerr = pcall(fn, unpack(args))
if not ok and rerr ~= EXEC then die(tostring(rerr)) end
if #loaded == 0 then
  print(target .. ": no filter is loaded (no ctx:load() in a Process.fork block)")
end
for i, ctx in ipairs(loaded) do show(string.format("%s: filter %d of %d", target, i, #loaded), ctx) end
