package main

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestSteps(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time {
		clock = clock.Add(1500 * time.Millisecond)
		return clock
	}
	var out bytes.Buffer
	s := newSteps(&out, now)
	if err := s.run("build", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := s.run("scan", func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("run returned %v, want the step's error", err)
	}
	want := "▶ build\n✓ build (1.5s)\n▶ scan\n✗ scan failed after 1.5s\n"
	if out.String() != want {
		t.Errorf("output =\n%s\nwant\n%s", out.String(), want)
	}
}
