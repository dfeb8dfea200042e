-- An open file cannot cross a fork: the parent gets a clear error.
local out = io.stdout
local cfg = {out = out}
Process.fork(function()
  cfg.out:write("never\n")
end)
