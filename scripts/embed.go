package scripts

import "embed"

// FS is the scripts directory: "*.lua", "policies/*.lua" and the
// library "sctrace/*.lua".
//
//go:embed *.lua policies/*.lua sctrace/*.lua
var FS embed.FS
