-- bad_module.lua: raises while loaded (required by requirer.lua)
error("module boom")
