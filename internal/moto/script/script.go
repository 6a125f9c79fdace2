// Package script holds server.py, moto's server with the gaps of the
// release goship targets filled in. Two users run it: the tests' moto on the
// host (internal/moto) and `go run ./ci rehearse`, which mounts it into the
// emulator image; one copy keeps both on the same fixes.
package script

import _ "embed"

// Server is server.py. Run as `python3 server.py` it binds 127.0.0.1 on a
// port the kernel picks; `python3 server.py HOST PORT` binds that address,
// as a container that publishes a fixed port needs.
//
//go:embed server.py
var Server []byte
