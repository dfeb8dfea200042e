-- trace.lua: an strace-like front end, written only on the public Lua API.
--
--   sctrace-lua trace [options] [--] CMD [ARGS...]
--
-- It forks, loads a seccomp filter that traces the selected syscalls (all
-- of them by default) and lets everything else run untouched, execs CMD,
-- and prints one complete line per call at the call's exit, as strace
-- does. It ends with CMD's exit status, or dies of the signal that killed
-- CMD.
local usage = [[
usage: sctrace-lua trace [options] [--] CMD [ARGS...]

Runs CMD and prints its system calls like strace, decoded from a table of
syscall signatures. Only the selected syscalls stop (a seccomp filter picks
them); children are always followed.

options:
  -e trace=SET    trace only SET: names and classes, comma-separated
                  (%file %desc %network %process %signal %memory %ipc
                  %creds %clock, all, none; !SET negates); may be repeated
  -o FILE         write the trace to FILE instead of stderr
  -s N            show at most N bytes of strings and buffers (default 32)
  -y              show the path behind file descriptors
  -t, -tt, -ttt   prefix the time of day, with microseconds, as epoch
  -T              append the time spent in each call
  -c              count calls, errors and time per syscall; print a summary
  --json          one JSON object per call instead of strace lines
  -f              accepted for strace habit: children are always followed
  -h, --help      show this help

No -p: a seccomp filter cannot be added to a running process, so trace
always starts CMD itself.

exit status: CMD's; if a signal killed CMD, trace dies of the same signal.
2 on a usage error.
]]

local argv = {...}
local unpack = table.unpack or unpack

local function die(msg)
  io.stderr:write("sctrace-lua trace: " .. msg .. " (see sctrace-lua trace --help)\n")
  os.exit(2)
end

---------------------------------------------------------------- syscalls

-- Every syscall this machine's libseccomp knows, by asking for each
-- number: the public API has no list.
local all_names
local function all_syscalls()
  if not all_names then
    all_names = {}
    for nr = 0, 1023 do
      local ok, name = pcall(Seccomp.syscall_to_name, nr)
      if ok then all_names[#all_names + 1] = name end
    end
  end
  return all_names
end

local known_classes = {
  desc = true, file = true, network = true, net = true, process = true,
  signal = true, memory = true, ipc = true, creds = true, clock = true,
}

-- select parses one trace= expression into the set of names it adds (or,
-- with a leading !, removes).
local function select_syscalls(expr, selected)
  local negate = false
  if expr:sub(1, 1) == "!" then negate, expr = true, expr:sub(2) end
  local set = {}
  for item in (expr .. ","):gmatch("([^,]*),") do
    local optional = false
    if item:sub(1, 1) == "?" then optional, item = true, item:sub(2) end
    if item == "" then
      die("empty name in -e trace=" .. expr)
    elseif item == "all" then
      for _, n in ipairs(all_syscalls()) do set[n] = true end
    elseif item == "none" then
      -- adds nothing
    elseif item:sub(1, 1) == "/" then
      die("regular expressions in -e trace= are not supported: " .. item)
    elseif item:sub(1, 1) == "%" or known_classes[item] then
      local class = item:gsub("^%%", "")
      if class == "net" then class = "network" end
      if not known_classes[class] then die("invalid syscall class '" .. item .. "'") end
      if not Seccomp.syscall_class then
        die("syscall classes need Seccomp.syscall_class, which this build lacks")
      end
      for _, n in ipairs(all_syscalls()) do
        for _, c in ipairs(Seccomp.syscall_class(n)) do
          if c == "%" .. class then set[n] = true end
        end
      end
    else
      local ok, err = pcall(Seccomp.syscall_to_i, item)
      if ok then
        set[item] = true
      elseif not optional then
        local hint = tostring(err):match("(%(did you mean .-%?%))")
        die("invalid system call '" .. item .. "'" .. (hint and " " .. hint or ""))
      end
    end
  end
  if negate then
    if not next(selected) then
      for _, n in ipairs(all_syscalls()) do selected[n] = true end
    end
    for n in pairs(set) do selected[n] = nil end
  else
    for n in pairs(set) do selected[n] = true end
  end
end

---------------------------------------------------------------- options

local opts = {strsize = 32, fdpaths = false, time = 0, syscall_times = false,
  count = false, json = false, output = nil, follow = false}
local selected, have_selection = {}, false

local function number_arg(flag, v)
  local n = tonumber(v)
  if not n or n < 0 or n ~= math.floor(n) then die(flag .. " needs a non-negative integer, got '" .. tostring(v) .. "'") end
  return n
end

local function trace_expr(v)
  local q, rest = v:match("^([%a_]+)=(.*)$")
  if q and q ~= "trace" and q ~= "t" then
    die("only -e trace= is supported, not -e " .. q .. "=")
  end
  have_selection = true
  select_syscalls(q and rest or v, selected)
end

local i = 1
while i <= #argv do
  local a = argv[i]
  local function value(flag)
    i = i + 1
    if argv[i] == nil then die(flag .. " needs an argument") end
    return argv[i]
  end
  if a == "--" then
    i = i + 1
    break
  elseif a == "-h" or a == "--help" then
    io.stdout:write(usage)
    os.exit(0)
  elseif a == "-e" then trace_expr(value("-e"))
  elseif a:match("^%-e.") then trace_expr(a:sub(3))
  elseif a:match("^%-%-trace=") then trace_expr(a:sub(9))
  elseif a == "-o" then opts.output = value("-o")
  elseif a:match("^%-o.") then opts.output = a:sub(3)
  elseif a:match("^%-%-output=") then opts.output = a:sub(10)
  elseif a == "-s" then opts.strsize = number_arg("-s", value("-s"))
  elseif a:match("^%-s.") then opts.strsize = number_arg("-s", a:sub(3))
  elseif a:match("^%-%-string%-limit=") then opts.strsize = number_arg("-s", a:sub(16))
  elseif a == "--json" then opts.json = true
  elseif a == "--follow-forks" then opts.follow = true
  elseif a == "--decode-fds" then opts.fdpaths = true
  elseif a == "--syscall-times" then opts.syscall_times = true
  elseif a == "--summary-only" then opts.count = true
  elseif a == "-p" or a:match("^%-p") or a:match("^%-%-attach") then
    die("-p is not supported: a seccomp filter cannot be added to a running process, so trace always starts the command")
  elseif a:match("^%-[fytTc]+$") then
    for ch in a:sub(2):gmatch(".") do
      if ch == "f" then opts.follow = true
      elseif ch == "y" then opts.fdpaths = true
      elseif ch == "t" then opts.time = opts.time + 1
      elseif ch == "T" then opts.syscall_times = true
      elseif ch == "c" then opts.count = true
      end
    end
  elseif a:sub(1, 1) == "-" and a ~= "-" then
    die("unknown option " .. a)
  else
    break
  end
  i = i + 1
end

local cmd = {}
for j = i, #argv do cmd[#cmd + 1] = argv[j] end
if #cmd == 0 then die("must have a command to run") end
if opts.time > 3 then opts.time = 3 end
if opts.strsize > 1048576 then die("-s " .. opts.strsize .. " is more than 1048576") end
if opts.count and opts.json then die("-c and --json cannot be combined") end

local names = {}
if have_selection then
  for n in pairs(selected) do names[#names + 1] = n end
  table.sort(names)
else
  names = all_syscalls()
end

---------------------------------------------------------------- output

local out = io.stderr
if opts.output then
  local f, err = io.open(opts.output, "w")
  if not f then
    io.stderr:write("sctrace-lua trace: -o: " .. tostring(err) .. "\n")
    os.exit(1)
  end
  out = f
end

local function emit(s)
  out:write(s)
end

local decode_opts = {strsize = opts.strsize, fdpaths = opts.fdpaths}

-- strace aligns the "= ret" of short lines at column 40.
local function align(s)
  if #s < 39 then return s .. string.rep(" ", 39 - #s) end
  return s
end

local seen_pids, npids = {}, 0

local function prefix(pid, ts)
  if not seen_pids[pid] then
    seen_pids[pid] = true
    npids = npids + 1
  end
  local p = ""
  if opts.output then
    if opts.follow or npids > 1 then p = string.format("%-5d ", pid) end
  elseif npids > 1 then
    p = string.format("[pid %5d] ", pid)
  end
  if opts.time == 1 then
    p = p .. os.date("%H:%M:%S ", math.floor(ts))
  elseif opts.time == 2 then
    p = p .. os.date("%H:%M:%S", math.floor(ts)) .. string.format(".%06d ", math.floor((ts % 1) * 1e6 + 0.5) % 1000000)
  elseif opts.time == 3 then
    p = p .. string.format("%.6f ", ts)
  end
  return p
end

-- split_ret cuts a formatted line at its last " = ": the return text never
-- contains one, the arguments may.
local function split_ret(line)
  local at, from = nil, 1
  while true do
    local s = line:find(" = ", from, true)
    if not s then break end
    at, from = s, s + 1
  end
  if not at then return line, nil end
  return line:sub(1, at - 1), line:sub(at + 3)
end

local function text_line(pid, ts, line, duration)
  local call, ret = split_ret(line)
  local s = align(prefix(pid, ts) .. call) .. " = " .. (ret or "?")
  if duration and opts.syscall_times then s = s .. string.format(" <%.6f>", duration) end
  emit(s .. "\n")
end

---------------------------------------------------------------- JSON

local function utf8_valid_at(s, k)
  local c = s:byte(k)
  local n
  if c >= 0xc2 and c <= 0xdf then n = 1
  elseif c >= 0xe0 and c <= 0xef then n = 2
  elseif c >= 0xf0 and c <= 0xf4 then n = 3
  else return 0 end
  for j = 1, n do
    local d = s:byte(k + j)
    if not d or d < 0x80 or d > 0xbf then return 0 end
  end
  return n + 1
end

-- json_string keeps valid UTF-8 and escapes every other byte as \u00XX, so
-- any tracee string is valid JSON.
local json_escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r"}

local function json_string(s)
  if not s:find('[%c"\\\127-\255]') then return '"' .. s .. '"' end
  if not s:find("[\127-\255]") then
    return '"' .. s:gsub('[%c"\\]', function(c)
      return json_escapes[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
  end
  local parts, k, len = {'"'}, 1, #s
  while k <= len do
    local c = s:byte(k)
    if c == 34 then parts[#parts + 1] = '\\"'; k = k + 1
    elseif c == 92 then parts[#parts + 1] = "\\\\"; k = k + 1
    elseif c == 10 then parts[#parts + 1] = "\\n"; k = k + 1
    elseif c == 9 then parts[#parts + 1] = "\\t"; k = k + 1
    elseif c == 13 then parts[#parts + 1] = "\\r"; k = k + 1
    elseif c < 32 or c == 127 then parts[#parts + 1] = string.format("\\u%04x", c); k = k + 1
    elseif c < 128 then
      local j = k
      while j <= len do
        local d = s:byte(j)
        if d < 32 or d >= 127 or d == 34 or d == 92 then break end
        j = j + 1
      end
      parts[#parts + 1] = s:sub(k, j - 1)
      k = j
    else
      local n = utf8_valid_at(s, k)
      if n > 0 then
        parts[#parts + 1] = s:sub(k, k + n - 1)
        k = k + n
      else
        parts[#parts + 1] = string.format("\\u%04x", c)
        k = k + 1
      end
    end
  end
  parts[#parts + 1] = '"'
  return table.concat(parts)
end

local json_value

local function json_number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
  return string.format("%.17g", v)
end

local function is_array(t)
  local n = #t
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k ~= math.floor(k) then return false end
  end
  return true
end

json_value = function(v)
  local t = type(v)
  if t == "string" then return json_string(v)
  elseif t == "number" then return json_number(v)
  elseif t == "boolean" then return tostring(v)
  elseif t == "table" then
    if next(v) ~= nil and is_array(v) or next(v) == nil then
      local parts = {}
      for _, x in ipairs(v) do parts[#parts + 1] = json_value(x) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = json_string(k) .. ":" .. json_value(v[k]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

-- json_call writes one call; fields in a fixed order for readers that
-- look at the raw lines.
local function json_call(pid, ts, d, duration)
  local args = {}
  for _, a in ipairs(d.args) do
    local fields = {'"name":' .. json_string(a.name), '"type":' .. json_string(a.type)}
    fields[#fields + 1] = '"value":' .. (a.value ~= nil and json_value(a.value) or "null")
    fields[#fields + 1] = '"text":' .. json_string(a.text)
    if a.path then fields[#fields + 1] = '"path":' .. json_string(a.path) end
    if a.hidden then fields[#fields + 1] = '"hidden":true' end
    args[#args + 1] = "{" .. table.concat(fields, ",") .. "}"
  end
  local fields = {
    '"ts":' .. string.format("%.6f", ts),
    '"pid":' .. json_number(pid),
    '"tid":' .. json_number(d.tid),
    '"name":' .. json_string(d.name),
    '"args":[' .. table.concat(args, ",") .. "]",
    '"ret":' .. (d.ret ~= nil and json_number(d.ret) or "null"),
    '"ret_text":' .. json_string(d.ret_text or "?"),
    '"errno":' .. (d.errno and json_string(d.errno) or "null"),
    '"error":' .. (d.error and json_string(d.error) or "null"),
    '"duration":' .. (duration and string.format("%.6f", duration) or "null"),
    '"text":' .. json_string(d.line),
  }
  emit("{" .. table.concat(fields, ",") .. "}\n")
end

---------------------------------------------------------------- -c

local stats = {}

local function count_call(name, nr, ret, duration)
  local s = stats[name]
  if not s then
    s = {name = name, nr = nr, calls = 0, errors = 0, time = 0}
    stats[name] = s
  end
  s.calls = s.calls + 1
  s.time = s.time + duration
  if type(ret) == "number" and ret < 0 and ret >= -4095 then s.errors = s.errors + 1 end   -- ret may be a "0x…" string
end

local function summary()
  local rows, total = {}, {calls = 0, errors = 0, time = 0}
  for _, s in pairs(stats) do
    rows[#rows + 1] = s
    total.calls, total.errors, total.time = total.calls + s.calls, total.errors + s.errors, total.time + s.time
  end
  table.sort(rows, function(a, b)
    if a.time ~= b.time then return a.time > b.time end
    return a.nr < b.nr
  end)
  local width = 16
  for _, s in ipairs(rows) do if #s.name > width then width = #s.name end end
  local dashes = "------ ----------- ----------- --------- --------- " .. string.rep("-", width) .. "\n"
  local function row(pct, s, name)
    local usecs = s.calls > 0 and math.floor(s.time * 1e6 / s.calls) or 0
    local errors = s.errors > 0 and string.format("%9d", s.errors) or string.rep(" ", 9)
    return string.format("%6.2f %11.6f %11d %9d %s %s\n", pct, s.time, usecs, s.calls, errors, name)
  end
  local b = {"% time     seconds  usecs/call     calls    errors syscall\n", dashes}
  for _, s in ipairs(rows) do
    local pct = total.time > 0 and 100 * s.time / total.time or 0
    b[#b + 1] = row(pct, s, s.name)
  end
  b[#b + 1] = dashes
  b[#b + 1] = row(100, total, "total")
  emit(table.concat(b))
end

---------------------------------------------------------------- tracing

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(rule)
    for _, name in ipairs(names) do rule:trace(name, 0) end
  end)
  ctx:load()
  local _, err = pcall(exec, cmd[1], unpack(cmd, 2))
  -- exec returns only on failure; exit 127 as a shell does.
  io.stderr:write("sctrace-lua trace: " .. (tostring(err):match("(exec: .*)$") or tostring(err)) .. "\n")
  os.exit(127)
end)

local status = Seccomp.start_trace(pid, function(nr, pid, ud, call)
  local t0, ts = Process.now(), Process.time()
  if opts.count then
    local name = call.name
    call:on_return(function(ret)
      count_call(name, nr, ret, Process.now() - t0)
    end)
    return
  end
  -- Decoding at the entry reads what the call reads (execve's argv is
  -- gone after a successful exec); the exit completes it.
  local entry = call:format(decode_opts)
  if entry:sub(-4) == " = ?" then
    -- exit and exit_group do not return: the line is complete now.
    if opts.json then
      json_call(pid, ts, call:decode(decode_opts), nil)
    else
      text_line(pid, ts, entry, nil)
    end
    return
  end
  call:on_return(function(ret, c)
    local duration = Process.now() - t0
    if opts.json then
      json_call(pid, ts, c:decode(ret, decode_opts), duration)
    else
      text_line(pid, ts, c:format(ret, decode_opts), duration)
    end
  end)
end)

---------------------------------------------------------------- exit

local function finish()
  if out ~= io.stderr then out:close() end
  io.stdout:flush()
end

if opts.count then
  summary()
end

if status:exited() then
  if not opts.count and not opts.json then
    emit(prefix(status.pid, Process.time()) .. "+++ exited with " .. status:exitstatus() .. " +++\n")
  end
  finish()
  os.exit(status:exitstatus())
end

local sig = status:termsig() or 0
if not opts.count and not opts.json then
  local signame = tostring(status):match("signaled%((SIG[%w_]+)%)") or ("SIG" .. sig)
  emit(prefix(status.pid, Process.time()) .. "+++ killed by " .. signame ..
    (status:coredump() and " (core dumped)" or "") .. " +++\n")
end
finish()

-- Die of the same signal, as strace does. The Go runtime dies of HUP, INT,
-- TERM and KILL when they are sent to it; for the others (it would ignore
-- USR1 or dump goroutines for SEGV) a shell takes this process's place and
-- kills itself, with core dumps off so nothing is overwritten.
if sig == 1 or sig == 2 or sig == 9 or sig == 15 then
  Process.kill(sig, Process.pid())
  local deadline = Process.now() + 1
  while Process.now() < deadline do end
end
if sig > 0 then
  pcall(exec, "/bin/sh", "-c", "ulimit -c 0; kill -" .. sig .. " $$")
end
os.exit(128 + sig)
