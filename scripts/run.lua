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
usage: sctrace-lua run -p POLICY[:KEY=VALUE,...] [-p POLICY...] [-o FILE] -- CMD [ARGS...]

Runs CMD under one or more policies. Their rules merge into one seccomp
filter; each traced syscall reaches the policies that asked for it, in
order, and the first decision other than "allow" wins.

  -p POLICY   a policy file (path) or name: ]] .. table.concat(policy.shipped, ", ") .. [[

  -o FILE     write the policies' log lines to FILE instead of stderr
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
if #specs == 0 then die("no policy given (-p POLICY; see sctrace-lua run --help)") end
if not cmd or #cmd == 0 then die("no command given (sctrace-lua run -p POLICY -- CMD [ARGS...])") end

local out = io.stderr
if outfile then
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

local load = set.load   -- Landlock layers, then the seccomp filter
local pid = Process.fork(function()
  load()
  local _, err = pcall(exec, cmd)   -- the argv table: any size
  io.stderr:write("sctrace-lua run: ", (tostring(err):gsub("^[^\n]-:%d+: ", "")), "\n")
  os.exit(127)
end)
local topts = {on_exit = set.on_process_exit}
if sandbox then topts.timeout = policy.sandbox_callback_seconds end
local traced, status = pcall(Seccomp.start_trace, pid, set.on_syscall, topts)
if not traced then
  -- a policy's error: its own file and line lead the message
  io.stderr:write("sctrace-lua run: ", (tostring(status):gsub("^[^\n]-:%d+: start_trace: ", "")), "\n")
  os.exit(1)
end
set.on_exit(status)
if out ~= io.stderr then out:close() end
os.exit(status:to_i())
