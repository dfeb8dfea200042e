-- Process API checks that fork real children but trace nothing.
assert(Process.pid() > 1 and Process.ppid() > 0)
assert(Process.WNOHANG == 1)
local t0 = Process.now()
assert(Process.now() >= t0 and Process.time() > 1.7e9, "clocks")

-- waitpid releases a never-traced child and returns its status
local pid = Process.fork(function() os.exit(4) end)
local wpid, st = Process.waitpid(pid)
assert(wpid == pid and st:exited() and st:exitstatus() == 4 and not st:success(), tostring(st))
assert(tostring(st) == ("#<Process::Status: pid=%d,exited(4)>"):format(pid), tostring(st))
assert(st.pid == pid and st:to_i() == 4 and st:termsig() == nil)

-- kill releases it and the signal takes effect
pid = Process.fork(function() while true do end end)
assert(Process.kill("TERM", pid) == 1)
local _, st2 = Process.waitpid(pid)
assert(st2:signaled() and st2:termsig() == 15 and st2:to_i() == 143, tostring(st2))
assert(tostring(st2):find("signaled%(SIGTERM%)"), tostring(st2))

-- WNOHANG with nothing to report, and ECHILD as nil, message
pid = Process.fork(function() end)
local none = Process.waitpid(-1, Process.WNOHANG)
Process.waitpid(pid)
local r, msg = Process.waitpid(-1)
assert(r == nil and msg:find("no child processes"), tostring(msg))

-- signals by name, SIG name and number; bad ones raise
for _, s in ipairs({"KILL", "SIGKILL", 9, "kill"}) do
  local p = Process.fork(function() while true do end end)
  Process.kill(s, p)
  local _, s3 = Process.waitpid(p)
  assert(s3:termsig() == 9, tostring(s))
end
assert(not pcall(Process.kill, "NOPE", 1))

-- a block that raises exits 1; os.exit(true/false)
local _, s4 = Process.waitpid(Process.fork(function() error("boom") end))
assert(s4:exitstatus() == 1)
local _, s5 = Process.waitpid(Process.fork(function() os.exit(false) end))
assert(s5:exitstatus() == 1)
-- exec failure: 127
local _, s6 = Process.waitpid(Process.fork(function() exec("/nonexistent/prog") end))
assert(s6:exitstatus() == 127)
-- exec with an argv table: the same, and misuse is an argument error
local _, s7 = Process.waitpid(Process.fork(function() exec({"/nonexistent/prog", "a"}) end))
assert(s7:exitstatus() == 127)
local _, s8 = Process.waitpid(Process.fork(function() exec({"sh", "-c", "exit 7"}) end))
assert(s8:exitstatus() == 7)
for _, bad in ipairs({
  {{}, "argv table is empty"},
  {{"/bin/true", {}}, "argv%[2%] must be a string"},
}) do
  local ok, err = pcall(exec, bad[1])
  assert(not ok and err:find(bad[2]), err)
end
local ok, err = pcall(exec, {"/bin/true"}, "x")
assert(not ok and err:find("not both"), err)
print("ok")
