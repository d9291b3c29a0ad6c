package testx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// PidCPU is the CPU time (user and system, all threads) a running process
// has used so far, read from /proc: benchmarks sample it around a steady
// stretch of a process's life, leaving its start-up out.
func PidCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime is field 14, stime 15.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, data)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	// In USER_HZ, which is 100 on every architecture Go supports on Linux.
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// PidRSS is a running process's resident set size in MB, from /proc.
func PidRSS(pid int) (float64, error) { return pidStatusMB(pid, "VmRSS:") }

// PidPeakRSS is the largest resident set size a running process has had
// since it started its program, in MB, from /proc. Benchmarks read it
// rather than the peak that wait4 reports: a child started by os/exec
// inherits in that figure the resident set of its parent (the test
// process, which holds the camera's clips) at the moment it was started.
func PidPeakRSS(pid int) (float64, error) { return pidStatusMB(pid, "VmHWM:") }

func pidStatusMB(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0, err
			}
			return float64(kb) / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s for pid %d", strings.TrimSuffix(field, ":"), pid)
}

// PidThreads is how many threads a running process has, from /proc.
func PidThreads(pid int) (int, error) {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(entries), err
}
