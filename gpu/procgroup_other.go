//go:build !unix

package gpu

import "syscall"

// ownProcessGroup is nil where there are no process groups (and no Xvfb).
func ownProcessGroup() *syscall.SysProcAttr { return nil }
