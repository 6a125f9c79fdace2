//go:build unix

package main

import "syscall"

// ownProcessGroup puts a child in a process group of its own, out of
// reach of the terminal's Ctrl-C, which goes to the foreground group.
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
