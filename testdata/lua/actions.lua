-- Every filter action against real commands. Prints one line per case.
local dir = arg[1]   -- a scratch directory
local function run(name, rules, cmd, on_stop)
  local pid = Process.fork(function()
    local ctx = Seccomp.new({default = "allow"}, rules)
    ctx:load()
    exec("/bin/sh", "-c", cmd)
  end)
  local seen = {}
  local st = Seccomp.start_trace(pid, function(nr, pid, ud)
    seen[#seen + 1] = Seccomp.syscall_to_name(nr) .. "=" .. ud
  end)
  print(name, tostring(st):gsub("pid=%d+,", ""), table.concat(seen, " "))
end

-- errno with an argument condition: writes to files fail with EROFS, reads work.
run("errno", function(r)
  r:errno("EROFS", "openat", Seccomp.arg(3, "&=", 3, 1))   -- O_WRONLY
  r:errno("EROFS", "openat", Seccomp.arg(3, "&=", 3, 2))   -- O_RDWR
end, "echo x > " .. dir .. "/w 2>/dev/null; echo write=$?; cat /dev/null; echo read=$?")

-- kill: the process dies of SIGSYS at the call.
run("kill", function(r) r:kill("mkdir") end, "exec mkdir " .. dir .. "/k")

-- errno by number and a condition that does not match.
run("errno-nomatch", function(r)
  r:errno(1, "mkdir", Seccomp.arg(2, "==", 0))   -- mode 0 only
end, "mkdir -m 755 " .. dir .. "/m && echo made")

-- two trace rules with different user data reach the callback with theirs.
run("trace-ud", function(r)
  r:trace("mkdir", 11)
  r:trace("rmdir", 22)
end, "mkdir " .. dir .. "/t && rmdir " .. dir .. "/t")

-- add_rule with action tables, and log / trap.
run("add_rule", function(r)
  r:add_rule({"errno", "EACCES"}, "mkdir")
  r:add_rule({"trace", 7}, "rmdir")
end, "mkdir " .. dir .. "/a 2>/dev/null || echo denied; rmdir " .. dir .. "/none 2>/dev/null; exit 0")

run("trap", function(r) r:trap("mkdir") end, "exec mkdir " .. dir .. "/p")
