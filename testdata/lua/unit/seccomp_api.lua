-- Pure Seccomp API checks (no process is traced): run in-process by
-- bindings tests. Every assert names what it checks.
assert(Seccomp.syscall_to_name(42) == "connect", "connect is 42 on x86_64")
for _, name in ipairs({"statx", "clone3", "openat2", "connect", "execve"}) do
  local nr = Seccomp.syscall_to_i(name)
  assert(Seccomp.syscall_to_name(nr) == name, name .. " round-trips")
end
local ok, err = pcall(Seccomp.syscall_to_i, "conect")
assert(not ok and err:find('unknown syscall "conect" %(did you mean connect%?%)'), err)
assert(Seccomp.errno("ECONNREFUSED") == 111 and Seccomp.errno("eperm") == 1, "errno names")
assert(require("seccomp") == Seccomp and require("process") == Process, "modules are the globals")

local ctx = Seccomp.new({default = "allow"}, function(rule)
  rule:trace("connect", 5)
  rule:errno("EPERM", "mkdir", Seccomp.arg(2, "==", 0))
  rule:add_rule({"errno", 13}, "rmdir")
  rule:kill("ptrace")
end)
ctx:log("uname"):trap("kill_thread" == "x" and "open" or "getpid")
local rules = ctx:rules()
assert(#rules == 6, "six rules, got " .. #rules)
assert(rules[1].syscall == "connect" and rules[1].action == "trace(5)", rules[1].action)
assert(rules[2].action == "errno(EPERM)" and rules[2].conds[1] == "arg2 == 0x0", rules[2].conds[1])
assert(rules[4].action == "kill_process", "kill is kill_process: " .. rules[4].action)
assert(ctx:default_action() == "allow")
assert(tostring(ctx):find("default allow, 6 rules"), tostring(ctx))
local pfc = assert(ctx:export_pfc())
assert(pfc:find("TRACE%(5%)") and pfc:find("ERRNO%(1%)"), pfc)
local bpf = assert(ctx:export_bpf())
assert(#bpf > 0 and #bpf % 8 == 0, "bpf is sock_filter[]")
ctx:reset("log")
assert(#ctx:rules() == 0 and ctx:default_action() == "log", "reset")

-- argument conditions
local c = Seccomp.arg(3, "&=", 3, 1)
assert(c.arg == 3 and c.op == "&=" and c.value == 3 and c.value2 == 1, "masked cond")
for _, bad in ipairs({{0, "==", 1}, {7, "==", 1}, {1, "=~", 1}, {1, "==", 1.5}, {1, "==", "zz"}}) do
  assert(not pcall(Seccomp.arg, unpack(bad)), "refused: " .. table.concat({tostring(bad[1]), bad[2], tostring(bad[3])}, " "))
end
-- conflicts: same syscall and conditions, different actions
local ok2, err2 = pcall(function()
  Seccomp.new({default = "allow"}, function(r) r:errno("EPERM", "mkdir") r:kill("mkdir") end)
end)
assert(not ok2 and err2:find("conflict"), tostring(err2))
-- bad actions and ud
assert(not pcall(Seccomp.new, {default = "alow"}))
assert(not pcall(Seccomp.new, {}))
assert(not pcall(function() Seccomp.new({default = "allow"}):trace("connect", 65536) end))
assert(not pcall(function() Seccomp.new({default = "allow"}):trace("connect", -1) end))
assert(pcall(function() Seccomp.new({default = "allow"}):trace("connect", 65535) end))
assert(not pcall(function() Seccomp.new({default = {"errno", 0}}) end), "errno 0 refused")
-- notify rules: ctx:notify(sc, conds...), {"notify"} and "notify" everywhere an action goes
local n = Seccomp.new({default = "allow"}, function(r)
  r:notify("mkdir", Seccomp.arg(2, "==", 448))
  r:add_rule({"notify"}, "rmdir")
  r:add_rule("notify", "unlinkat")
end)
local nr = n:rules()
assert(#nr == 3 and nr[1].action == "notify" and nr[2].action == "notify" and nr[3].action == "notify", "notify rules")
assert(nr[1].conds[1] == "arg2 == 0x1c0", tostring(nr[1].conds[1]))
assert(Seccomp.new({default = {"notify"}}):default_action() == "notify", "notify default")
assert(assert(n:export_pfc()):find("action 0x7fc00000;"), "pfc shows SECCOMP_RET_USER_NOTIF")
assert(not pcall(function() Seccomp.new({default = "allow"}):add_rule({"notify", 3}, "mkdir") end), "notify takes no value")
-- load outside a fork block
local ok3, err3 = pcall(function() Seccomp.new({default = "allow"}):load() end)
assert(not ok3 and err3:find("outside a Process.fork block"), err3)
print("ok")
