//go:build !windows

package ui

import (
	"syscall"
	"time"
)

// ownCPU is the user + system time this process has used, from
// getrusage.
func ownCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
