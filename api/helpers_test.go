package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// testServer is newServer with everything a test wants to look at.
type testServer struct {
	handler  http.Handler
	logs     *logSink
	registry *prometheus.Registry
	draining *atomic.Bool
}

func newTestServer(t *testing.T, cfg config) testServer {
	t.Helper()
	logs := newLogSink()
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.logLevel}))
	registry := prometheus.NewRegistry()
	draining := new(atomic.Bool)
	build := buildInfo{Version: "v1.2.3", Commit: "abc123", BuildTime: "2026-01-02T03:04:05Z", GoVersion: "go1.26"}
	return testServer{
		handler:  newServer(logger, cfg, build, newHTTPMetrics(registry), draining),
		logs:     logs,
		registry: registry,
		draining: draining,
	}
}

// defaultConfig is the configuration of an empty environment.
func defaultConfig(t *testing.T) config {
	t.Helper()
	cfg, err := parseConfig(envOf(nil))
	if err != nil {
		t.Fatalf("parseConfig(empty env) = %v", err)
	}
	return cfg
}

// envOf turns a map into a getenv function.
func envOf(env map[string]string) func(string) string {
	return func(key string) string { return env[key] }
}

// logSink collects the JSON lines a logger writes and lets a test wait for
// one, instead of sleeping and hoping.
type logSink struct {
	mu      sync.Mutex
	partial []byte
	lines   []logLine
	changed chan struct{} // closed and replaced whenever a line arrives
}

type logLine struct {
	at     time.Time
	raw    string
	fields map[string]any // nil if the line is not a JSON object
}

func newLogSink() *logSink {
	return &logSink{changed: make(chan struct{})}
}

func (s *logSink) Write(p []byte) (int, error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		line := logLine{at: now, raw: string(s.partial[:i])}
		if err := json.Unmarshal(s.partial[:i], &line.fields); err != nil {
			line.fields = nil
		}
		s.lines = append(s.lines, line)
		s.partial = s.partial[i+1:]
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

// all returns the lines so far.
func (s *logSink) all() []logLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]logLine(nil), s.lines...)
}

// find returns the lines whose fields include every key/value in match.
func (s *logSink) find(match map[string]any) []logLine {
	var found []logLine
	for _, line := range s.all() {
		if line.matches(match) {
			found = append(found, line)
		}
	}
	return found
}

// waitFor blocks until a line matching match arrives, or fails the test.
func (s *logSink) waitFor(t *testing.T, match map[string]any, within time.Duration) logLine {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, line := range s.lines {
			if line.matches(match) {
				s.mu.Unlock()
				return line
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no log line matching %v within %v; got:\n%s", match, within, s.dump())
		}
	}
}

func (s *logSink) dump() string {
	var b bytes.Buffer
	for _, line := range s.all() {
		b.WriteString(line.raw)
		b.WriteByte('\n')
	}
	return b.String()
}

func (l logLine) matches(match map[string]any) bool {
	if l.fields == nil {
		return false
	}
	for k, want := range match {
		if got, ok := l.fields[k]; !ok || got != want {
			return false
		}
	}
	return true
}
