//go:build !windows

package record

import (
	"errors"
	"syscall"
)

// diskFull reports a write that failed for want of space.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
