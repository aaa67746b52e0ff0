//go:build !unix

package frames

import "syscall"

func ownProcessGroup() *syscall.SysProcAttr { return nil }
