-- escape2.lua CMD [ARGS...]: traces mkdir (user data 7) in CMD and refuses
-- every mkdir with EPERM; prints each stop as "traced NAME ud=UD
-- path=LAST-PATH-ELEMENT-OR-ERROR", then the exit code.
local cmd = {...}
local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("mkdir", 7) end)
  ctx:load()
  exec(unpack(cmd))
end)
local st = Seccomp.start_trace(pid, function(nr, p, ud, call)
  local path, err = call:string(1)
  if call.name ~= "mkdir" then path = "-" end
  print(string.format("traced %s ud=%d path=%s", call.name, ud, path and path:match("[^/]*$") or ("error: " .. tostring(err))))
  if call.name == "mkdir" then return {"errno", "EPERM"} end
end)
print("exit " .. tostring(st:to_i()))
