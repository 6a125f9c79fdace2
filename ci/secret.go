package main

import "fmt"

// secret is a credential held on the host on its way into the engine as a
// *dagger.Secret. It prints as [redacted] however it is formatted, so a
// stray log line or error cannot leak it; only reveal hands out the value.
type secret string

func (s secret) String() string   { return "[redacted]" }
func (s secret) GoString() string { return "[redacted]" }

// Format covers every verb, %q and %x included.
func (s secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, "[redacted]") }

// reveal is the one way to read the value: call it only to hand the value
// to dagger's SetSecret.
func (s secret) reveal() string { return string(s) }
