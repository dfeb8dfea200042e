-- log-exec: logs every execve/execveat with its argv and result.
--
--   sctrace-lua run -p log-exec -- make
--   sctrace-lua run -p log-exec -o exec.log -- ./build.sh
--
-- Lines look like: log-exec: [1234] execve("/bin/ls", ["ls", "-l"]) = 0
-- The path and argv are read at the call (they are gone after a successful
-- exec), the result at its return.
local M = {
  description = "logs every execve/execveat with argv and result",
  options = {},
}

function M.rules(rule)
  rule:trace("execve", 0)
  rule:trace("execveat", 0)
end

local function quote(s) return string.format("%q", s):gsub("\\\n", "\\n") end

function M.on_syscall(call, opts)
  local pi, ai = 1, 2
  if call.name == "execveat" then pi, ai = 2, 3 end
  local path = call:string(pi) or "?"
  local argv, truncated = call:argv(ai)
  local shown = {}
  for i, a in ipairs(argv or {}) do shown[i] = quote(a) end
  local text = string.format("[%d] %s(%s, [%s%s])", call.pid, call.name, quote(path),
    table.concat(shown, ", "), truncated and ", ..." or "")
  call:on_return(function(ret)
    opts.log("log-exec: %s = %d", text, ret)
  end)
end

return M
