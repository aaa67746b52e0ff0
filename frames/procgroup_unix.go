//go:build unix

package frames

import "syscall"

// ownProcessGroup puts a child in a process group of its own.
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
