-- run.lua: `sctrace-lua run` — run a command under shareable policies.
--
--   sctrace-lua run -p deny-network -p limit-forks:max=20 -- make -j4
--   sctrace-lua run -p ./my-policy.lua -o policy.log -- ./server
--
-- POLICY is a file (contains "/" or ends in .lua) or a module name, looked
-- up as policies.NAME, then NAME, next to nothing but ./, SCTRACE_LUA_PATH
-- and the policies shipped in the binary. Exit status: the command's, or
-- 128+N when a signal N killed it.
local policy = require "sctrace.policy"

local usage = [[
usage: sctrace-lua run [-p POLICY[:KEY=VALUE,...]...] [--profile FILE] [--audit] [-o FILE] [--json] -- CMD [ARGS...]

Runs CMD under one or more policies. Their rules merge into one seccomp
filter; each traced syscall reaches the policies that asked for it, in
order, and the first decision other than "allow" wins.

  -p POLICY   a policy file (path) or name: ]] .. table.concat(policy.shipped, ", ") .. [[

  -o FILE     write the policies' log lines to FILE instead of stderr
              (FILE.jsonl: as JSON events, as with --json)
  --json      log as JSON Lines: one object per decision, audit report and
              log line (time, pid, tid, syscall, args, decision, policy,
              rule, layer)
  --profile FILE|docker-default
              enforce an OCI/Docker seccomp profile as docker run would
              (includes/excludes for this machine and docker's default
              capabilities); docker-default is moby's default profile
  --audit     with --profile: refuse nothing; report each call the profile
              would refuse, once per syscall and argument pattern
  --cap-add CAP, --cap-drop CAP
              change the capability set includes/excludes are evaluated for
              (as docker run --cap-add/--cap-drop; ALL for every one)
  --sandbox   run the policies (files) in a sandbox: no io, os.execute,
              os.remove, Process.fork, exec or debug; loadfile, dofile and
              require only inside the policy's directory
  --best-effort  run even where the kernel lacks a layer a policy needs
              (an older Landlock): say what is dropped instead of refusing
  -h, --help  show this help
]]

local function die(msg)
  io.stderr:write("sctrace-lua run: ", msg, "\n")
  os.exit(2)
end

local specs, outfile, cmd, sandbox, best_effort = {}, nil, nil, false, false
-- run --profile/--audit/--json (sctrace.profile)
local popt = {profile = nil, audit = false, json = false, cap_add = {}, cap_drop = {}}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then
    io.stdout:write(usage)
    os.exit(0)
  elseif a == "-p" or a == "--policy" or a == "-o" then
    if not arg[i + 1] then die(a .. " needs an argument") end
    if a == "-o" then outfile = arg[i + 1] else specs[#specs + 1] = arg[i + 1] end
    i = i + 1
  elseif a == "--sandbox" then
    sandbox = true
  elseif a == "--best-effort" then
    best_effort = true
  elseif a == "--profile" or a == "--cap-add" or a == "--cap-drop" then
    if not arg[i + 1] or arg[i + 1] == "--" then die(a .. " needs an argument") end
    if a == "--profile" then
      if popt.profile then die("--profile given twice (a container has one profile)") end
      popt.profile = arg[i + 1]
    else
      table.insert(popt[a:sub(3):gsub("-", "_")], arg[i + 1])
    end
    i = i + 1
  elseif a == "--audit" then
    popt.audit = true
  elseif a == "--json" then
    popt.json = true
  elseif a:match("^%-p.") then
    specs[#specs + 1] = a:sub(3)
  elseif a == "--" then
    cmd = {unpack(arg, i + 1)}
    break
  elseif a:sub(1, 1) == "-" then
    die("unknown option " .. a .. " (see sctrace-lua run --help)")
  else
    cmd = {unpack(arg, i)}
    break
  end
  i = i + 1
end
if #specs == 0 and not popt.profile then die("no policy given (-p POLICY or --profile FILE; see sctrace-lua run --help)") end
if not popt.profile and (popt.audit or #popt.cap_add > 0 or #popt.cap_drop > 0) then
  die((popt.audit and "--audit" or "--cap-add/--cap-drop") .. " needs --profile FILE")
end
if outfile and outfile:match("%.jsonl$") then popt.json = true end
if not cmd or #cmd == 0 then die("no command given (sctrace-lua run -p POLICY -- CMD [ARGS...])") end

local prof, events
if popt.profile then
  local err
  prof, err = Seccomp.profile(popt.profile, {audit = popt.audit, cap_add = popt.cap_add, cap_drop = popt.cap_drop})
  if not prof then die(tostring(err)) end
end
local out = io.stderr
if popt.json then
  local err
  events, err = Seccomp.events(outfile)
  if not events then die("cannot open " .. tostring(outfile) .. ": " .. tostring(err)) end
elseif outfile then
  local f, err = io.open(outfile, "w")
  if not f then die("cannot open " .. outfile .. ": " .. tostring(err)) end
  out = f
end
local function log(fmt, ...)
  out:write(fmt:format(...), "\n")
  out:flush()
end

local policies = {}
for _, spec in ipairs(specs) do
  local ok, p = pcall(policy.load, spec, log, sandbox)
  if not ok then die(tostring(p)) end
  policies[#policies + 1] = p
end
local ok, set
if sandbox then
  -- rules(), landlock() and guarantees() of sandboxed policies run under
  -- the load limits too
  ok, set = pcall(require("sctrace.sandbox").guarded, policy.sandbox_load_seconds, policy.compose, policies, {best_effort = best_effort})
else
  ok, set = pcall(policy.compose, policies, {best_effort = best_effort})
end
if not ok then die(tostring(set)) end
for _, line in ipairs(set.dropped) do io.stderr:write("sctrace-lua run: --best-effort: ", line, "\n") end
local ok2, runner = pcall(require("sctrace.profile").runner, {set = set, profile = prof, events = events, log = log})
if not ok2 then die(tostring(runner)) end
for _, p in ipairs(policies) do p.opts.log = runner.log_for(p.name) end

-- in the fork block: the Landlock layers, then every seccomp filter in
-- order (the policies' context with its guards, stacked policy filters,
-- the profile)
local layers, filters = set.landlock, runner.filters
local pid = Process.fork(function()
  for _, rs in ipairs(layers) do rs:load() end
  for _, f in ipairs(filters) do f:load() end
  local _, err = pcall(exec, cmd)   -- the argv table: any size
  io.stderr:write("sctrace-lua run: ", (tostring(err):gsub("^[^\n]-:%d+: ", "")), "\n")
  os.exit(127)
end)
local topts = {on_exit = runner.on_process_exit}
if sandbox then topts.timeout = policy.sandbox_callback_seconds end
local traced, status = pcall(Seccomp.start_trace, pid, runner.on_syscall, topts)
if not traced then
  -- a policy's error: its own file and line lead the message
  io.stderr:write("sctrace-lua run: ", (tostring(status):gsub("^[^\n]-:%d+: start_trace: ", "")), "\n")
  if events then events:close() end
  os.exit(1)
end
runner.on_exit(status)
if events then events:close() end
if out ~= io.stderr then out:close() end
os.exit(status:to_i())
