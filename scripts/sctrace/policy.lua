-- sctrace.policy: load shareable policies and compose them into one seccomp
-- context and one callback. Used by `sctrace-lua run` and `explain`; usable
-- from any script:
--
--   local policy = require "sctrace.policy"
--   local set = policy.compose({policy.load("deny-network"), policy.load("limit-forks:max=5")})
--   -- set.context: a Seccomp context; set.on_syscall(nr, pid, ud, call); set.on_exit(status)
--
-- A policy is a module returning a table:
--   description  string, required
--   options      table of option defaults, optional; `-p name:k=v` sets them and
--                a value is converted to the default's type
--   rules(rule, opts)        adds rules with the Seccomp rule methods (rule:trace,
--                            rule:errno, rule:kill, …); required
--   on_syscall(call, opts)   runs at each stop of a syscall the policy traces;
--                            returns a decision as start_trace callbacks do
--   on_exit(status, opts)    runs once when the command has ended, optional
--   on_process_exit(pid, status, opts)  runs when any traced process ends, optional
-- opts also holds opts.log(fmt, ...), which writes a line to the run's log
-- (-o FILE, or stderr).
local M = {}

local function fail(msg) error(msg, 0) end

-- strip the "file:line: " a Go-side error carries from where it was raised
local function bare(err)
  return (tostring(err):gsub("^[^\n]-:%d+: ", ""))
end

-- "name:k=v,k2=v2" → name, {k=v, k2=v2}
function M.parse_spec(spec)
  if type(spec) ~= "string" or spec == "" then fail("empty policy name") end
  local name, optstr = spec:match("^(.-):([%w_]+=.*)$")
  if not name then
    if spec:match(":$") then fail(("policy %q: empty option list after ':'"):format(spec)) end
    return spec, {}
  end
  if name == "" then fail(("policy %q: no name before the options"):format(spec)) end
  local opts = {}
  for item in (optstr .. ","):gmatch("(.-),") do
    local k, v = item:match("^([%w_]+)=(.*)$")
    if not k then
      fail(("policy %s: bad option %q (expected key=value, e.g. %s:max=20)"):format(name, item, name))
    end
    opts[k] = v
  end
  return name, opts
end

-- caller() is "file:line: " of the nearest Lua frame outside this module:
-- the policy line that made a bad rule.
function M.caller()
  for level = 2, 32 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    local src = info.source or ""
    if info.what ~= "C" and info.currentline and info.currentline > 0
      and not src:find("sctrace/policy.lua", 1, true) then
      return (src:gsub("^@", "")) .. ":" .. info.currentline .. ": "
    end
  end
  return ""
end

-- gopher-lua words syntax errors "f line:3(column:5) near 'x': msg"; say
-- "f:3: msg near 'x'" like the rest of the tool.
function M.syntax_message(err)
  local f, line, near, msg = tostring(err):match("^(.-) line:(%d+)%(column:%d+%) (near '.-'):%s*(.-)%s*$")
  if not f then return tostring(err) end
  return ("%s:%s: %s %s"):format(f, line, msg, near)
end

-- ---- the sandbox for policies one did not write (run --sandbox) ----
--
-- A sandboxed policy runs with its own globals: the pure libraries, the
-- Seccomp rule API and the call object it is handed, and nothing that
-- reaches files, processes or the host's own globals. loadfile, dofile and
-- require only reach files inside the policy's directory (checked
-- lexically), compiled into the same sandbox.

local denied = {
  io = "io (files)", os_execute = "os.execute", os_remove = "os.remove",
  os_rename = "os.rename", os_exit = "os.exit", os_tmpname = "os.tmpname",
  fork = "Process.fork", exec = "exec", debug = "debug", getfenv = "getfenv",
  setfenv = "setfenv", collectgarbage = "collectgarbage", newproxy = "newproxy",
  package = "package", module = "module", start_trace = "Seccomp.start_trace",
}

local function refuse(what)
  error(M.caller() .. "sandbox: " .. what .. " is not available to a sandboxed policy", 0)
end

local function guarded(t, prefix)
  return setmetatable(t, {__index = function(_, k)
    local what = denied[k] or denied[prefix .. "_" .. tostring(k)]
    if what then refuse(what) end
    return nil
  end})
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The host does what Lua cannot do safely: the policy's directory comes
-- from the kernel (never $PWD), files load only where the kernel resolves
-- them beneath it (no "..", symlink or magic link out), and loading runs
-- under time and memory limits as callbacks do.
local host = require "sctrace.sandbox"

-- seconds a sandboxed policy may take to load (its chunk, rules,
-- landlock and guarantees) and, in `run --sandbox`, each callback
M.sandbox_load_seconds = 5
M.sandbox_callback_seconds = 2

function M.sandbox_env(file)
  local dir, err = host.realdir(file)
  if not dir then fail(("policy %s: %s"):format(file, err)) end
  local env = {}
  for _, k in ipairs({"assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
      "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION"}) do
    env[k] = _G[k]
  end
  env.string, env.table, env.math, env.coroutine = copy(string), copy(table), copy(math), copy(coroutine)
  env.os = guarded({clock = os.clock, date = os.date, time = os.time, difftime = os.difftime}, "os")
  env.Seccomp = guarded({new = Seccomp.new, arg = Seccomp.arg, errno = Seccomp.errno,
    syscall_to_name = Seccomp.syscall_to_name, syscall_to_i = Seccomp.syscall_to_i}, "")
  env.Process = guarded({pid = Process.pid, ppid = Process.ppid, now = Process.now, time = Process.time,
    uid = Process.uid, euid = Process.euid}, "")
  env.Landlock = guarded({new = Landlock.new, abi = Landlock.abi, kernel_abi = Landlock.kernel_abi}, "")
  -- getmetatable only for tables: the string and userdata metatables are
  -- the host's own.
  env.getmetatable = function(v)
    if type(v) ~= "table" then refuse("getmetatable of a " .. type(v)) end
    return getmetatable(v)
  end
  local function load_inside(path)
    if type(path) ~= "string" then refuse("loading a " .. type(path)) end
    local fn, err = host.load_beneath(dir, path)
    if not fn then
      if err:find(" is outside ", 1, true) or err:find("resolves outside", 1, true) then
        refuse("loading " .. path .. " (outside " .. dir .. ")")
      end
      return nil, err
    end
    setfenv(fn, env)
    return fn
  end
  env.loadfile = load_inside
  env.dofile = function(path) return assert(load_inside(path))() end
  env.loadstring = function(src, name)
    local fn, err = loadstring(src, name)
    if fn then setfenv(fn, env) end
    return fn, err
  end
  env.load = function(f, name)
    local fn, err = load(f, name)
    if fn then setfenv(fn, env) end
    return fn, err
  end
  local loaded = {}
  env.require = function(mod)
    if type(mod) ~= "string" then refuse("require of a " .. type(mod)) end
    if loaded[mod] ~= nil then return loaded[mod] end
    local path = mod:gsub("%.", "/") .. ".lua"
    local fn, err = load_inside(path)
    if not fn then error(M.caller() .. ("sandbox: module %s not found in %s (%s)"):format(mod, dir, tostring(err)), 0) end
    local res = fn(mod)
    loaded[mod] = res == nil and true or res
    return loaded[mod]
  end
  env._G = env
  return guarded(env, "")
end

local function find_module(name, sandbox)
  if name:find("/", 1, true) or name:match("%.lua$") then
    if sandbox then
      local env = M.sandbox_env(name)
      local dir = host.realdir(name)
      local fn, err = host.load_beneath(dir, (name:match("[^/]*$")), name)
      if not fn then fail(("policy %s: %s"):format(name, M.syntax_message(err))) end
      setfenv(fn, env)
      return host.guarded(M.sandbox_load_seconds, fn)
    end
    local fn, err = loadfile(name)
    if not fn then fail(("policy %s: %s"):format(name, M.syntax_message(err))) end
    return fn()
  end
  if sandbox then
    fail(("policy %s: --sandbox takes policy files (a path), not module names"):format(name))
  end
  for _, mod in ipairs({"policies." .. name, name}) do
    local ok, res = pcall(require, mod)
    if ok then return res end
    if not tostring(res):find("module " .. mod .. " not found", 1, true) then
      fail(("policy %s: %s"):format(name, tostring(res)))
    end
  end
  fail(("unknown policy %q (not a file, not policies.%s, not a module on the path; shipped policies: %s)")
    :format(name, name, table.concat(M.shipped, ", ")))
end

M.shipped = {"deny-network", "readonly-fs", "log-exec", "limit-forks"}

local function coerce(pname, key, value, default)
  local t = type(default)
  if t == "number" then
    local n = tonumber(value)
    if not n then fail(("policy %s: option %s expects a number, got %q"):format(pname, key, value)) end
    return n
  elseif t == "boolean" then
    if value == "true" or value == "1" or value == "yes" then return true end
    if value == "false" or value == "0" or value == "no" then return false end
    fail(("policy %s: option %s expects true or false, got %q"):format(pname, key, value))
  end
  return value
end

local function check_shape(name, mod)
  if type(mod) ~= "table" then
    fail(("policy %s: the module returned a %s; expected a table with description, rules and on_syscall"):format(name, type(mod)))
  end
  if type(mod.description) ~= "string" then
    fail(("policy %s: field 'description' must be a string (got %s)"):format(name, type(mod.description)))
  end
  if type(mod.rules) ~= "function" then
    fail(("policy %s: field 'rules' must be a function(rule, opts) (got %s)"):format(name, type(mod.rules)))
  end
  for _, f in ipairs({"on_syscall", "on_exit", "on_process_exit", "landlock"}) do
    if mod[f] ~= nil and type(mod[f]) ~= "function" then
      fail(("policy %s: field '%s' must be a function (got %s)"):format(name, f, type(mod[f])))
    end
  end
  if mod.default ~= nil and type(mod.default) ~= "string" and type(mod.default) ~= "table" then
    fail(("policy %s: field 'default' must be an action like {\"errno\", \"EPERM\"} (got %s)"):format(name, type(mod.default)))
  end
  if mod.options ~= nil and type(mod.options) ~= "table" then
    fail(("policy %s: field 'options' must be a table of defaults (got %s)"):format(name, type(mod.options)))
  end
end

-- M.load(spec [, log [, sandbox]]) → policy {name, module, opts}
function M.load(spec, log, sandbox)
  local name, given = M.parse_spec(spec)
  local mod = find_module(name, sandbox)
  check_shape(name, mod)
  local opts = {}
  for k, v in pairs(mod.options or {}) do opts[k] = v end
  for k, v in pairs(given) do
    if not mod.options or mod.options[k] == nil then
      local known = {}
      for o in pairs(mod.options or {}) do known[#known + 1] = o end
      table.sort(known)
      fail(("policy %s has no option %q (options: %s)"):format(name, k,
        #known > 0 and table.concat(known, ", ") or "none"))
    end
    opts[k] = coerce(name, k, v, mod.options[k])
  end
  opts.log = log or function(fmt, ...) io.stderr:write(fmt:format(...), "\n") end
  return {name = name, module = mod, opts = opts}
end

local simple = {"allow", "kill", "kill_process", "kill_thread", "trap", "log"}

-- a key for one syscall argument: names and numbers alike
local function nr_of(sc)
  if type(sc) == "number" then return sc end
  local ok, nr = pcall(Seccomp.syscall_to_i, sc)
  return ok and nr or sc
end

-- ---- enforcement layers ----
--
-- A policy states what it guarantees and which layer keeps each promise:
--   guarantees = {{what = "…", by = LAYER, calls = {"connect", …}}, …}
-- (or a function(opts) returning that list). LAYER is one of
--   "seccomp"    the kernel's seccomp filter, on register values (race-free)
--   "landlock"   the kernel's Landlock domain (race-free, every path)
--   "tracer"     decided in the tracer from register values (race-free)
--   "emulated"   the tracer performs the call itself with its own copy of
--                the arguments (race-free)
--   "inspected"  decided in the tracer from tracee memory (advisory: another
--                thread can change the memory after the check)
-- A policy with any guarantee kept by "tracer", "emulated" or "inspected"
-- decides calls in the tracer; compose then keeps the tracer in control:
-- the guards ptrace, untraced and io_uring (see engine/filter), and a
-- Landlock layer that scopes ptrace and signals, so that even a root tracee
-- cannot reach the tracer (needed only when the tracee runs as root: for
-- other users the tracer's PR_SET_DUMPABLE 0 does it).
--   guards = {"tiocsti", …}       more guards the policy asks for
--   landlock = function(opts) return ruleset [, ruleset…] end
--                                 Landlock layers (Landlock.new{…}); each
--                                 ruleset is one layer of the domain
M.layers = {
  seccomp = "kernel (seccomp)", landlock = "kernel (Landlock)", tracer = "tracer (registers, race-free)",
  emulated = "emulated (race-free)", inspected = "inspected (advisory)",
}
local in_tracer = {tracer = true, emulated = true, inspected = true}

local function guarantees_of(p)
  local g = p.module.guarantees
  if type(g) == "function" then g = g(p.opts) end
  if g == nil then return {} end
  if type(g) ~= "table" then fail(("policy %s: field 'guarantees' must be a list (got %s)"):format(p.name, type(g))) end
  for i, e in ipairs(g) do
    if type(e) ~= "table" or type(e.what) ~= "string" or not M.layers[e.by] then
      local names = {}
      for k in pairs(M.layers) do names[#names + 1] = k end
      table.sort(names)
      fail(("policy %s: guarantee %d must be {what = \"…\", by = LAYER} with LAYER one of %s"):format(p.name, i, table.concat(names, ", ")))
    end
  end
  return g
end

-- the Landlock layer that keeps a root tracee away from the tracer: a
-- domain restricts ptrace (and /proc/PID/mem) to processes inside it, root
-- included. It handles one right and allows it everywhere, so it restricts
-- no file access; with ABI 6 it also scopes signals.
function M.tracer_domain()
  local scope = Landlock.abi() >= 6 and "signal" or nil
  return Landlock.new({fs = "make_block", scope = scope}):allow("/", "make_block")
end

local function is_root() return Process.euid and Process.euid() == 0 end

-- M.compose(policies [, {best_effort = bool}]) → set
--   set.context      one Seccomp context (guards included)
--   set.filters      the seccomp filters to load, in order: set.context,
--                    then one per policy with a `default` action other than
--                    "allow" (an allow-list, as `sctrace-lua learn` writes),
--                    in -p order; the kernel applies the strictest answer
--   set.landlock     the Landlock layers, in order: load each in the fork
--                    block (set.load() does both)
--   set.guarantees   {{policy=, what=, by=, calls=}…}
--   set.dropped      lines saying what --best-effort dropped (empty if none)
--   set.on_syscall(nr, pid, ud, call) → decision, name of the policy that made it
--   set.on_exit(status), set.on_process_exit(pid, status)
-- Rules merge into one context. Stops are routed by syscall number, never
-- by user data (a tracee's own filter can forge that): every policy that
-- traces a syscall sees each stop of it, in order, whatever made it stop.
-- A conflict between other rules is an error naming both policies. A policy
-- whose Landlock layer needs a newer ABI than the kernel has is an error,
-- unless best_effort: then what the kernel lacks is dropped and said.
function M.compose(policies, copts)
  copts = copts or {}
  local ctx = Seccomp.new({default = "allow"})
  local filters = {ctx}
  local owners = {}   -- syscall nr → names of policies with rules on it
  local routes = {}   -- syscall nr → list of policies
  local ud_of = {}    -- syscall nr → ud
  local nud = 0

  local function own(nr, p)
    owners[nr] = owners[nr] or {}
    for _, n in ipairs(owners[nr]) do if n == p.name then return end end
    table.insert(owners[nr], p.name)
  end

  local function add(p, method, nr, ...)
    local target = p.filter or ctx
    local ok, err = pcall(target[method], target, ...)
    if not ok then
      local others = {}
      for _, n in ipairs(owners[nr] or {}) do if n ~= p.name then others[#others + 1] = n end end
      if #others > 0 then
        fail(("policies %s and %s conflict: %s"):format(table.concat(others, ", "), p.name, bare(err)))
      end
      fail(("policy %s: %s"):format(p.name, bare(err)))
    end
    own(nr, p)
  end

  for _, p in ipairs(policies) do
    local def = p.module.default
    if def ~= nil and def ~= "allow" then
      local ok, own = pcall(Seccomp.new, {default = def})
      if not ok then fail(("policy %s: field 'default': %s"):format(p.name, bare(own))) end
      p.filter = own
      filters[#filters + 1] = own
    end
    -- The rule object records what the policy asks for; a scratch context
    -- checks each call so a mistake points at the policy's own line.
    local scratch = Seccomp.new({default = "allow"})
    local function check(method, ...)
      local ok, err = pcall(scratch[method], scratch, ...)
      if not ok then
        local msg = bare(err):gsub("^bad argument #%d+ to %(anonymous%) %((.*)%)$", "rule:" .. method .. ": %1")
        error(M.caller() .. msg, 0)
      end
    end
    local rule = {}
    for _, m in ipairs(simple) do
      rule[m] = function(self, sc, ...)
        check(m, sc, ...)
        add(p, m, nr_of(sc), sc, ...)
        return self
      end
    end
    function rule:errno(e, sc, ...)
      check("errno", e, sc, ...)
      add(p, "errno", nr_of(sc), e, sc, ...)
      return self
    end
    function rule:trace(sc, ud, ...)
      check("trace", sc, ud, ...)
      local nr = nr_of(sc)
      local u = ud_of[nr]
      if not u then
        -- one user data value per syscall, so trace rules of several
        -- policies never conflict; it routes nothing
        nud = nud + 1
        u = nud
        ud_of[nr], routes[nr] = u, {}
      end
      add(p, "trace", nr, sc, u, ...)
      for _, q in ipairs(routes[nr]) do if q == p then return self end end
      table.insert(routes[nr], p)
      return self
    end
    function rule:add_rule(action, sc, ...)
      if type(action) == "table" and action[1] == "trace" then return rule.trace(self, sc, action[2], ...) end
      check("add_rule", action, sc, ...)
      add(p, "add_rule", nr_of(sc), action, sc, ...)
      return self
    end
    function rule:guard(...)
      check("guard", ...)
      ctx:guard(...)
      return self
    end
    p.module.rules(rule, p.opts)
  end

  local set = {context = ctx, filters = filters, routes = routes, policies = policies, landlock = {}, guarantees = {}, dropped = {}}
  local tracer_side = false
  local function drop(line) set.dropped[#set.dropped + 1] = line end

  local function layer(p, rs)
    if type(rs) ~= "userdata" or not pcall(rs.abi, rs) then
      fail(("policy %s: field 'landlock' must return Landlock rulesets (Landlock.new{…}), got a %s"):format(p.name, type(rs)))
    end
    local need, which = rs:abi()
    local have = Landlock.abi()
    if need > have then
      if not copts.best_effort then
        fail(("policy %s needs Landlock ABI %d (%s); this kernel has %s (run with --best-effort to drop what it lacks)")
          :format(p.name, need, which, have == 0 and "no Landlock" or ("ABI " .. have)))
      end
      local dropped, left = rs:best_effort(have)
      drop(("policy %s: Landlock %s not enforced (kernel %s)%s"):format(p.name, table.concat(dropped, ", "),
        have == 0 and "has no Landlock" or ("ABI " .. have), left and "" or "; the whole layer is dropped"))
      if not left then return end
    end
    set.landlock[#set.landlock + 1] = rs
  end

  for _, p in ipairs(policies) do
    for _, g in ipairs(guarantees_of(p)) do
      set.guarantees[#set.guarantees + 1] = {policy = p.name, what = g.what, by = g.by, calls = g.calls}
      tracer_side = tracer_side or in_tracer[g.by]
    end
    local guards = p.module.guards
    if type(guards) == "function" then guards = guards(p.opts) end
    for _, g in ipairs(guards or {}) do
      local ok, err = pcall(ctx.guard, ctx, g)
      if not ok then fail(("policy %s: %s"):format(p.name, bare(err))) end
    end
    if p.module.landlock ~= nil then
      if type(p.module.landlock) ~= "function" then
        fail(("policy %s: field 'landlock' must be a function(opts) returning rulesets (got %s)"):format(p.name, type(p.module.landlock)))
      end
      for _, rs in ipairs({p.module.landlock(p.opts)}) do layer(p, rs) end
    end
  end
  set.tracer_side = tracer_side
  if tracer_side then
    ctx:guard("ptrace", "untraced", "io_uring")
    if Landlock.abi() >= 1 then
      set.landlock[#set.landlock + 1] = M.tracer_domain()
      set.tracer_domain = true
    elseif is_root() then
      if not copts.best_effort then
        fail("the policies decide calls in the tracer and the command runs as root, which keeps CAP_SYS_PTRACE over the tracer; "
          .. "a Landlock domain would take it away, but this kernel has no Landlock (run with --best-effort to run anyway)")
      end
      drop("a root command keeps CAP_SYS_PTRACE over the tracer (no Landlock to scope ptrace)")
    end
  end

  -- set.load(): in the fork block, before exec
  local layers = set.landlock
  function set.load()
    for _, rs in ipairs(layers) do rs:load() end
    for _, f in ipairs(filters) do f:load() end
  end
  -- "emulate" is an allow that the tracer carries out itself: the
  -- policies after it still see the call, and the first refusal wins.
  function set.on_syscall(nr, pid, ud, call)
    local emulate
    for _, p in ipairs(routes[nr] or {}) do
      if p.module.on_syscall then
        local d = p.module.on_syscall(call, p.opts)
        if d == "emulate" then
          emulate = emulate or p.name
        elseif d ~= nil and d ~= "allow" then
          return d, p.name
        end
      end
    end
    if emulate then return "emulate", emulate end
  end
  function set.on_process_exit(pid, status)
    for _, p in ipairs(policies) do
      if p.module.on_process_exit then p.module.on_process_exit(pid, status, p.opts) end
    end
  end
  function set.on_exit(status)
    for _, p in ipairs(policies) do
      if p.module.on_exit then p.module.on_exit(status, p.opts) end
    end
  end
  return set
end

return M
