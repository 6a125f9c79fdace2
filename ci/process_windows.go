//go:build windows

package main

import "syscall"

// ownProcessGroup starts a child in a new process group, which has
// Ctrl+C disabled: the console sends it to every attached process.
func ownProcessGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
