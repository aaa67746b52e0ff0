//go:build unix

package record

import "syscall"

// ownProcessGroup puts a child in a process group of its own.
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
