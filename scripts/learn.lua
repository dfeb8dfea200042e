-- learn.lua: `sctrace-lua learn` — learn the allow-list a command needs, as a policy and an OCI/Docker profile.
--
-- Runs a command, sees every syscall it and its children make, and writes
-- the smallest allow-list that lets it run: a Lua policy (`run -p
-- ./POLICY.lua`) and an OCI/Docker seccomp profile (`docker run
-- --security-opt seccomp=PROFILE.json`, Podman, containerd, CRI-O,
-- Kubernetes' Localhost profiles).
--
--   sctrace-lua learn -o ls.lua --oci ls.json -- ls -la /
--   sctrace-lua learn --merge ls.json --oci ls.json -- ls -la /tmp
--
-- Every call stops once (the filter's default action is trace); the stop
-- is recorded by the Go side (Seccomp.learn), no Lua runs per call.
local policy = require "sctrace.policy"

local usage = [[
usage: sctrace-lua learn [-o POLICY.lua] [--oci PROFILE.json] [--merge FILE...] -- CMD [ARGS...]

Runs CMD (and its children), records every syscall they make, and writes
an allow-list of exactly those; everything else fails with EPERM.

  -o FILE        write a Lua policy: sctrace-lua run -p ./FILE -- CMD
  --oci FILE     write an OCI/Docker seccomp profile (JSON)
  --merge FILE   start from an earlier profile (.json) or policy that
                 learn wrote (repeatable; FILE may also be the output)
  --no-runtime-baseline
                 leave out of the OCI profile what runc's init calls after
                 loading the filter (needed for docker run, not for
                 sctrace-lua run --profile)
  -h, --help     show this help

Without -o or --oci the policy is printed on stdout after the command's
own output. Some syscalls are learned per argument: socket (domain and
type), clone (namespace flags; clone3 then fails with ENOSYS so libc uses
clone), unshare (flags), prctl (option), personality, ioctl (request).
Also allowed though not seen: execve, exit, exit_group, rt_sigreturn and
restart_syscall (the exec itself and the kernel's signal and exit paths).
The exit status is the command's.
]]

local function die(msg, code)
  io.stderr:write("sctrace-lua learn: ", msg, "\n")
  os.exit(code or 2)
end

local out_lua, out_oci, merges, baseline, cmd = nil, nil, {}, true, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then
    io.stdout:write(usage)
    os.exit(0)
  elseif a == "-o" or a == "--oci" or a == "--merge" then
    if not arg[i + 1] then die(a .. " needs an argument") end
    if a == "-o" then out_lua = arg[i + 1]
    elseif a == "--oci" then out_oci = arg[i + 1]
    else merges[#merges + 1] = arg[i + 1] end
    i = i + 1
  elseif a == "--no-runtime-baseline" then
    baseline = false
  elseif a == "--" then
    cmd = {unpack(arg, i + 1)}
    break
  elseif a:sub(1, 1) == "-" then
    die("unknown option " .. a .. " (see sctrace-lua learn --help)")
  else
    cmd = {unpack(arg, i)}
    break
  end
  i = i + 1
end
if not cmd or #cmd == 0 then die("no command given (sctrace-lua learn [-o POLICY.lua] [--oci PROFILE.json] -- CMD [ARGS...])") end
for _, f in ipairs({out_lua, out_oci}) do
  if f and f:match("/$") then die("output " .. f .. " is a directory") end
end

-- A policy learn wrote is read back by running its rules against a
-- recorder: any allow-list of rule:allow calls merges.
local function merge_policy(set, path)
  local ok, p = pcall(policy.load, path)
  if not ok then die("--merge: " .. tostring(p)) end
  local def = p.module.default
  if def == nil or def == "allow" then
    die(("--merge: policy %s is not an allow-list (it has no default action that refuses)"):format(path))
  end
  local rec = {}
  function rec:allow(sc, ...)
    set:allow(type(sc) == "number" and Seccomp.syscall_to_name(sc) or sc, ...)
    return self
  end
  function rec:errno(e, sc, ...)
    local enosys = e == "ENOSYS" or e == Seccomp.errno("ENOSYS")
    if sc == "clone3" and enosys and select("#", ...) == 0 then
      set:clone3_enosys()
      return self
    end
    error(("--merge: policy %s refuses %s with %s: only allow rules (and clone3's ENOSYS) merge"):format(path, tostring(sc), tostring(e)), 0)
  end
  setmetatable(rec, {__index = function(_, m)
    return function() error(("--merge: policy %s uses rule:%s; only allow-lists as learn writes them merge"):format(path, m), 0) end
  end})
  local ok2, err = pcall(p.module.rules, rec, p.opts)
  if not ok2 then die(tostring(err)) end
end

local function merge(set, path)
  if path:match("%.json$") then
    local dropped, err = set:merge_profile(path)
    if not dropped then die("--merge: " .. tostring(err)) end
    for _, d in ipairs(dropped) do
      io.stderr:write("sctrace-lua learn: --merge ", path, ": ", d, " is not an allow rule: left out\n")
    end
  else
    merge_policy(set, path)
  end
end

-- Read the inputs before anything runs (and before an output with the
-- same name is rewritten).
local earlier = Seccomp.learned()
for _, m in ipairs(merges) do merge(earlier, m) end

local ctx = Seccomp.new({default = {"trace", 1}})
local pid = Process.fork(function()
  ctx:load()
  exec(unpack(cmd))
end)
local status, set = Seccomp.learn(pid)
-- the command as a shell would take it back
local function shell_quote(a)
  if a ~= "" and not a:find("[^%w%%+,./:=@_-]") then return a end
  return "'" .. a:gsub("'", "'\\''") .. "'"
end
local quoted = {}
for k, a in ipairs(cmd) do quoted[k] = shell_quote(a) end
local cmdline = table.concat(quoted, " ")
if status:exited() and status:exitstatus() == 127 and set:calls() < 64 then
  die(("%s did not start (exit status 127): nothing written"):format(cmd[1]), 127)
end
local calls, seen_here = set:calls(), 0
do
  local names = {}
  for _, r in ipairs(set:rules()) do
    if r.calls > 0 and not names[r.syscall] then names[r.syscall], seen_here = true, seen_here + 1 end
  end
end
for _, m in ipairs(merges) do merge(set, m) end

---------------------------------------------------------------- the policy

local function value(v, hex)
  if type(v) == "string" then return string.format("%q", v) end
  if v >= 0x100 or hex then return string.format("0x%x", v) end
  return tostring(v)
end

local function lua_policy()
  local lines = {
    "-- Learned by `sctrace-lua learn` from: " .. (cmdline:gsub("\n", "\\n")),
  }
  for _, m in ipairs(merges) do lines[#lines + 1] = "-- merged with: " .. m end
  local rules = set:rules()
  local n = 0
  for _, r in ipairs(rules) do if r.native then n = n + 1 end end
  lines[#lines + 1] = ("-- Allows %d syscalls in %d rules. Every other call fails with EPERM in the kernel:"):format(set:seen(), n)
  lines[#lines + 1] = "-- the policy is a seccomp filter of its own, stacked on the other policies'."
  lines[#lines + 1] = "-- No on_syscall: nothing stops at the tracer. Add runs with"
  lines[#lines + 1] = "-- `sctrace-lua learn --merge THIS_FILE -o THIS_FILE -- CMD ...`."
  lines[#lines + 1] = "return {"
  lines[#lines + 1] = "  description = " .. string.format("%q", "learned allow-list for " .. cmdline .. " (everything else: EPERM)") .. ","
  lines[#lines + 1] = '  default = {"errno", "EPERM"},'
  lines[#lines + 1] = "  rules = function(rule)"
  for _, r in ipairs(rules) do
    local conds = {}
    for _, c in ipairs(r.conds) do
      local s = ("Seccomp.arg(%d, %q, %s"):format(c.arg, c.op, value(c.value, c.op == "&="))
      if c.value2 then s = s .. ", " .. value(c.value2) end
      conds[#conds + 1] = ", " .. s .. ")"
    end
    local line
    if r.action == "errno" then
      line = ("    rule:errno(%q, %q%s)"):format(r.errno, r.syscall, table.concat(conds))
    else
      line = ("    rule:allow(%q%s)"):format(r.syscall, table.concat(conds))
    end
    if not r.native then line = "    -- " .. line:sub(5) .. "  -- not a syscall of this architecture" end
    if r.comment ~= "" then line = line .. "  -- " .. r.comment end
    lines[#lines + 1] = line
  end
  lines[#lines + 1] = "  end,"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n"
end

local function write(path, text)
  local f, err = io.open(path, "w")
  if not f then die("cannot write " .. path .. ": " .. tostring(err), 1) end
  f:write(text)
  f:close()
end

local wrote = {}
if out_lua then
  write(out_lua, lua_policy())
  wrote[#wrote + 1] = ("policy %s (sctrace-lua run -p %s -- CMD)"):format(out_lua, out_lua:find("/", 1, true) and out_lua or "./" .. out_lua)
end
if out_oci then
  local json, err = set:oci({baseline = baseline})
  if not json then die("writing the OCI profile: " .. tostring(err), 1) end
  write(out_oci, json)
  wrote[#wrote + 1] = ("profile %s (docker run --security-opt seccomp=%s; sctrace-lua run --profile %s)"):format(out_oci, out_oci, out_oci)
end
if not out_lua and not out_oci then
  io.stdout:flush()
  io.stdout:write(lua_policy())
  wrote[#wrote + 1] = "the policy on stdout"
end

local refined = {}
local per = {}
for _, r in ipairs(set:rules()) do
  if #r.conds > 0 then per[r.syscall] = (per[r.syscall] or 0) + 1 end
end
for name, k in pairs(per) do refined[#refined + 1] = ("%s ×%d"):format(name, k) end
table.sort(refined)
local st = tostring(status):match("pid=%d+,(.-)>$") or tostring(status)
io.stderr:write(("sctrace-lua learn: %s: %s; %d calls, %d syscalls seen%s; %d rules%s\n"):format(
  cmdline, st, calls, seen_here, #merges > 0 and (", " .. set:seen() .. " with the merged inputs") or "",
  #set:rules(), #refined > 0 and (" (by argument: " .. table.concat(refined, ", ") .. ")") or ""))
io.stderr:write("sctrace-lua learn: wrote " .. table.concat(wrote, " and ") .. "\n")
os.exit(status:to_i())
