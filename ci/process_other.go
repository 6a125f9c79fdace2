//go:build !unix && !windows

package main

import "syscall"

// ownProcessGroup has nothing to do where there are no process groups.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
