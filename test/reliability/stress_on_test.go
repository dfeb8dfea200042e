//go:build stress

package reliability

// stressTag: built with -tags stress, the full sizes run (as with
// SCTRACE_LUA_STRESS=1).
const stressTag = true
