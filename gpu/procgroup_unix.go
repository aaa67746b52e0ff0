//go:build unix

package gpu

import "syscall"

// ownProcessGroup puts a child in a process group of its own.
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
