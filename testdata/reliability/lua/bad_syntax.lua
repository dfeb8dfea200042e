-- bad_syntax.lua: a syntax error on line 3 (test/reliability bad input)
local ok = true
local x = = 1
