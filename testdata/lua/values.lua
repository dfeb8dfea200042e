-- call.args and on_return's ret typed by the signature, against
-- testdata/c/values.c (arg[1]: its binary). Prints one line per stop.
local traced = {openat = true, close = true, lseek = true, mmap = true, setresuid = true, getuid = true}
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r)
    for name in pairs(traced) do r:trace(name, 0) end
  end)
  ctx:load()
  exec(arg[1])
end)
local function show(v) return type(v) == "string" and ("%q"):format(v) or tostring(v) end
local st = Seccomp.start_trace(pid, function(nr, pid, ud, call)
  local a = call.args
  local name = call.name
  if name == "openat" then
    if a[2] == 0 then return end -- not ours
    local path = call:string(2)
    if path ~= "/dev/null" then return end
    print(name, a[1], call:arg(1), a[1] == -100, a[3], a[4] == 0)
  elseif name == "close" then
    if a[1] ~= -1 then return end
    print(name, a[1], call:arg(1))
  elseif name == "lseek" then
    print(name, show(a[2]), a[2] == call:arg(2), a[3])
  elseif name == "mmap" then
    if a[2] ~= 4096 or a[3] ~= 1 or a[4] ~= 0x22 then return end -- ours: PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS
    print(name, a[1], a[2], a[5], call:arg(5))
  elseif name == "setresuid" then
    print(name, a[1], a[2], a[3])
  end
  call:on_return(function(ret, c)
    print(c.name .. " returned", show(ret), type(ret))
    if c.name == "getuid" then return "0x7" end   -- a replacement as a string
  end)
end)
print(st:to_i())
