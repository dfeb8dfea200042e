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

local function inside(dir, path)
  if path:sub(1, 1) ~= "/" then path = dir .. "/" .. path end
  local parts = {}
  for seg in path:gmatch("[^/]+") do
    if seg == ".." then parts[#parts] = nil elseif seg ~= "." then parts[#parts + 1] = seg end
  end
  local norm = "/" .. table.concat(parts, "/")
  return norm:sub(1, #dir + 1) == dir .. "/", norm
end

local function absdir(file)
  local dir = file:match("^(.*)/[^/]*$") or "."
  if dir:sub(1, 1) ~= "/" then
    local pwd = os.getenv("PWD") or "."
    dir = pwd .. "/" .. dir
  end
  local _, norm = inside("/", dir .. "/x")
  return norm:match("^(.*)/x$")
end

function M.sandbox_env(file)
  local dir = absdir(file)
  local env = {}
  for _, k in ipairs({"assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
      "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION"}) do
    env[k] = _G[k]
  end
  env.string, env.table, env.math, env.coroutine = copy(string), copy(table), copy(math), copy(coroutine)
  env.os = guarded({clock = os.clock, date = os.date, time = os.time, difftime = os.difftime}, "os")
  env.Seccomp = guarded({new = Seccomp.new, arg = Seccomp.arg, errno = Seccomp.errno,
    syscall_to_name = Seccomp.syscall_to_name, syscall_to_i = Seccomp.syscall_to_i}, "")
  env.Process = guarded({pid = Process.pid, ppid = Process.ppid, now = Process.now, time = Process.time}, "")
  -- getmetatable only for tables: the string and userdata metatables are
  -- the host's own.
  env.getmetatable = function(v)
    if type(v) ~= "table" then refuse("getmetatable of a " .. type(v)) end
    return getmetatable(v)
  end
  local function load_inside(path)
    local ok, norm = inside(dir, path)
    if not ok then refuse("loading " .. path .. " (outside " .. dir .. ")") end
    local fn, err = loadfile(norm)
    if not fn then return nil, err end
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
    if loaded[mod] ~= nil then return loaded[mod] end
    local path = dir .. "/" .. mod:gsub("%.", "/") .. ".lua"
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
    local fn, err = loadfile(name)
    if not fn then fail(("policy %s: %s"):format(name, M.syntax_message(err))) end
    if sandbox then setfenv(fn, M.sandbox_env(name)) end
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
  for _, f in ipairs({"on_syscall", "on_exit", "on_process_exit"}) do
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

-- M.compose(policies) → {context, filters, on_syscall, on_exit, on_process_exit, routes}
-- Rules merge into one context. Every policy that traces a syscall gets the
-- stops of that syscall (one trace rule per syscall and condition set, all
-- with the same user data, so they can never conflict); a conflict between
-- other rules is an error naming both policies. A policy with a `default`
-- action other than "allow" (an allow-list, as `sctrace-lua learn` writes)
-- gets a filter of its own for its rules: set.filters lists the context
-- first, then those, in -p order; the kernel applies the strictest answer
-- of all filters. on_syscall returns the decision and the name of the
-- policy that made it.
function M.compose(policies)
  local ctx = Seccomp.new({default = "allow"})
  local filters = {ctx}
  local owners = {}   -- syscall nr → names of policies with rules on it
  local routes = {}   -- ud → list of policies
  local ud_of = {}    -- syscall nr → ud

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
        u = #routes + 1
        ud_of[nr], routes[u] = u, {}
      end
      add(p, "trace", nr, sc, u, ...)
      for _, q in ipairs(routes[u]) do if q == p then return self end end
      table.insert(routes[u], p)
      return self
    end
    function rule:add_rule(action, sc, ...)
      if type(action) == "table" and action[1] == "trace" then return rule.trace(self, sc, action[2], ...) end
      check("add_rule", action, sc, ...)
      add(p, "add_rule", nr_of(sc), action, sc, ...)
      return self
    end
    p.module.rules(rule, p.opts)
  end

  local set = {context = ctx, filters = filters, routes = routes, policies = policies}
  function set.on_syscall(nr, pid, ud, call)
    for _, p in ipairs(routes[ud] or {}) do
      if p.module.on_syscall then
        local d = p.module.on_syscall(call, p.opts)
        if d ~= nil and d ~= "allow" then return d, p.name end
      end
    end
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
