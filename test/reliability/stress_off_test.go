//go:build !stress

package reliability

const stressTag = false
