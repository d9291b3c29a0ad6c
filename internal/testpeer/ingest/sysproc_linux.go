package ingest

import "syscall"

// sysProcAttr makes the kernel kill nginx when the test binary dies without
// running its cleanups (a test timeout panics straight to os.Exit), so no
// nginx outlives the test run holding a port. Pdeathsig follows the thread
// that forked, which start keeps locked for nginx's lifetime.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
