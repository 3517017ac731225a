//go:build unix

package journal

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system), for
// benchmarks that report CPU seconds: on a shared machine they vary much
// less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
