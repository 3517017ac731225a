//go:build windows

package journal

import "syscall"

// processAlive reports whether pid runs on this host.
func processAlive(pid int) bool {
	const queryLimitedInformation = 0x1000
	const stillActive = 259
	h, err := syscall.OpenProcess(queryLimitedInformation, false, uint32(pid))
	if err != nil {
		// Access denied means the process exists.
		return err == syscall.ERROR_ACCESS_DENIED
	}
	defer syscall.CloseHandle(h)
	var code uint32
	if err := syscall.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	return code == stillActive
}
