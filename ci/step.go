package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// steps prints a start and a finish line, with the duration, around each
// step of a run. Steps run concurrently, so writes are serialised.
type steps struct {
	mu  sync.Mutex
	out io.Writer
	now func() time.Time
}

func newSteps(out io.Writer, now func() time.Time) *steps {
	return &steps{out: out, now: now}
}

// run runs fn as the named step and returns its error unchanged.
func (s *steps) run(name string, fn func() error) error {
	start := s.now()
	s.printf("▶ %s\n", name)
	err := fn()
	took := s.now().Sub(start).Round(100 * time.Millisecond)
	if err != nil {
		s.printf("✗ %s failed after %s\n", name, took)
		return err
	}
	s.printf("✓ %s (%s)\n", name, took)
	return nil
}

// printf writes one line that no concurrent step can interleave with.
func (s *steps) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format, args...)
}
