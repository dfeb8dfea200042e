// Package scripts holds the Lua scripts shipped with sctrace-lua: samples,
// the front ends behind the run/trace/explain subcommands, and shareable
// policies. They are compiled into the binary, so `require
// "policies.deny-network"` works with only the binary installed.
package scripts

import "embed"

// FS is the scripts directory: "*.lua", "policies/*.lua" and the
// library "sctrace/*.lua".
//
//go:embed *.lua policies/*.lua sctrace/*.lua
var FS embed.FS
