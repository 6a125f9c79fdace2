package cloud

import "fmt"

// Secret is a credential held on the host on its way into the engine as a
// *dagger.Secret. It prints as [redacted] however it is formatted, so a
// stray log line or error cannot leak it; only Reveal hands out the value.
type Secret string

func (s Secret) String() string   { return "[redacted]" }
func (s Secret) GoString() string { return "[redacted]" }

// Format covers every verb, %q and %x included.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, "[redacted]") }

// Each type that holds a secret formats itself too, so that even %#v,
// which prints fields without their methods, cannot show one.

func (l RegistryLogin) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{%s@%s [redacted]}", l.Username, l.Host)
}

func (v SecretVariable) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "{%s [redacted]}", v.Env) }

func (k Keys) Format(f fmt.State, _ rune) { fmt.Fprint(f, "{[redacted AWS keys]}") }

func (s *Session) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{AWS account %s as %s [redacted]}", s.Account, s.ARN)
}

// Reveal is the one way to read the value: call it only to hand the value
// to dagger's SetSecret.
func (s Secret) Reveal() string { return string(s) }
