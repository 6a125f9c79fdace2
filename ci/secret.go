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

// fmt does not call the methods of unexported struct fields, so each type
// that holds a secret formats itself too.

func (l registryLogin) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{%s@%s [redacted]}", l.username, l.host)
}

func (v secretVariable) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "{%s [redacted]}", v.env) }

func (k awsKeys) Format(f fmt.State, _ rune) { fmt.Fprint(f, "{[redacted AWS keys]}") }

func (s *awsSession) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{AWS account %s as %s [redacted]}", s.account, s.arn)
}

// reveal is the one way to read the value: call it only to hand the value
// to dagger's SetSecret.
func (s secret) reveal() string { return string(s) }
