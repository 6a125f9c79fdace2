package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestPortFree checks that serve refuses a taken port before it builds
// anything or announces an address.
func TestPortFree(t *testing.T) {
	t.Parallel()
	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	port := taken.Addr().(*net.TCPAddr).Port
	err = portFree(t.Context(), port)
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(port)+" is not free") || !strings.Contains(err.Error(), "--port or SERVE_PORT") {
		t.Errorf("portFree(taken) = %v", err)
	}
	_ = taken.Close()
	if err := portFree(t.Context(), port); err != nil {
		t.Errorf("portFree(released) = %v", err)
	}
}
