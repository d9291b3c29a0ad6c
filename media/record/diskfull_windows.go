package record

import (
	"errors"
	"syscall"
)

// Windows' codes for a full disk: ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL.
const (
	errorHandleDiskFull syscall.Errno = 39
	errorDiskFull       syscall.Errno = 112
)

// diskFull reports a write that failed for want of space.
func diskFull(err error) bool {
	return errors.Is(err, errorDiskFull) || errors.Is(err, errorHandleDiskFull)
}
