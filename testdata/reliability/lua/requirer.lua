-- requirer.lua: requires a module that raises
require("bad_module")
