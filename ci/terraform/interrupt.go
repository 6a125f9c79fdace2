package terraform

import (
	"fmt"
	"sync"
)

// Interrupts decides what each interrupt (Ctrl-C, SIGTERM) does to a run.
// A Terraform apply or destroy killed halfway leaves the state locked and
// resources that exist in AWS but not in the state, so the first interrupt
// during one lets it finish and stops the run after it; only a second
// interrupt aborts it. Outside such a command, an interrupt stops the run
// at once, as it always did.
type Interrupts struct {
	mu        sync.Mutex
	cancelRun func()
	running   []*Command
	count     int
}

// Command is a Terraform command that must not be cut halfway.
type Command struct {
	Verb      string // apply, destroy
	Stack     string
	abort     func()
	finishing bool // an interrupt came and it was let finish
	aborted   bool // a second interrupt came and it was cut
}

// NewInterrupts starts counting interrupts for one run; cancelRun stops
// everything that is not a protected command.
func NewInterrupts(cancelRun func()) *Interrupts {
	return &Interrupts{cancelRun: cancelRun}
}

// Begin registers a protected command, which abort cuts. It refuses to
// start one after an interrupt: the user asked the run to stop.
func (m *Interrupts) Begin(verb, stack string, abort func()) (*Command, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.count > 0 {
		return nil, fmt.Errorf("interrupted before terraform %s of the %s stack started: it was not run", verb, stack)
	}
	c := &Command{Verb: verb, Stack: stack, abort: abort}
	m.running = append(m.running, c)
	return c, nil
}

// End unregisters a command that returned, and says how it ended.
func (m *Interrupts) End(c *Command) (finishing, aborted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range m.running {
		if r == c {
			m.running = append(m.running[:i], m.running[i+1:]...)
			break
		}
	}
	return c.finishing, c.aborted
}

// Interrupt handles one interrupt and returns what to tell the user.
func (m *Interrupts) Interrupt() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.count++
	m.cancelRun()
	if len(m.running) == 0 {
		return "interrupted: stopping"
	}
	var msg string
	for _, c := range m.running {
		if msg != "" {
			msg += "\n"
		}
		if !c.finishing {
			c.finishing = true
			msg += fmt.Sprintf("finishing terraform %s of %s; interrupt again to abort, which leaves the state locked", c.Verb, c.Stack)
			continue
		}
		c.aborted = true
		c.abort()
		msg += fmt.Sprintf("aborting terraform %s of %s: its state stays locked; how to recover follows", c.Verb, c.Stack)
	}
	return msg
}

// Interrupted reports whether any interrupt came.
func (m *Interrupts) Interrupted() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count > 0
}
