//go:build !unix

package record

import "syscall"

// ownProcessGroup is nil where there are no process groups: there Ctrl-C
// may reach ffmpeg too.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
