-- What a forked block can see: upvalues, globals, helpers, a context.
local n, s = 42, "a\0b"
local t = {x = {y = {z = "deep"}}, list = {1, 2, 3}}
t.self = t                                  -- a cycle
local shared = {count = 0}
local alias = shared                        -- the same table twice
local function helper(v) return "helper(" .. v .. ")" end
GLOBAL_CFG = {name = "cfg"}
function global_fn(v) return v * 2 end
local ctx = Seccomp.new({default = "allow"}, function(r) r:errno("EPERM", "mkdir") end)

local pid = Process.fork(function()
  shared.count = shared.count + 1
  print("n", n, "s", #s, s:byte(2))
  print("t", t.x.y.z, #t.list, t.self == t, t.self.self.list[3])
  print("alias", alias == shared, alias.count)
  print("helper", helper("x"), global_fn(21), GLOBAL_CFG.name)
  print("ctx", tostring(ctx))
  ctx:load()
  exec("/bin/sh", "-c", "mkdir /nonexistent-dir-for-test 2>&1 | grep -c 'not permitted'")
end)
print("parent count", shared.count)
print(Seccomp.start_trace(pid, function() end):exitstatus())
