//go:build !linux

package cycle

// adviseHugePages does nothing but on Linux (see hugepages_linux.go).
func adviseHugePages() (stop func()) { return func() {} }
