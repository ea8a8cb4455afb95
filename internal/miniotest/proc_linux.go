package miniotest

import "syscall"

// sysProcAttr makes the kernel kill MinIO if the test process dies without
// running its cleanups (a timeout panic, SIGKILL), so no server outlives
// the test binary.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
