package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	got := defaultConfig(t)
	want := config{
		host:            "",
		port:            8080,
		metricsPort:     9090,
		logLevel:        slog.LevelInfo,
		logHealthChecks: false,
		drainDelay:      5 * time.Second,
		shutdownTimeout: 15 * time.Second,
		requestTimeout:  10 * time.Second,
		maxBodyBytes:    1 << 20,
		serviceName:     "api",
	}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
	// ECS kills the task 30s after SIGTERM; the defaults must finish first.
	if total := got.drainDelay + got.shutdownTimeout; total >= 30*time.Second {
		t.Errorf("DRAIN_DELAY + SHUTDOWN_TIMEOUT = %v, want well under ECS's 30s stopTimeout", total)
	}
}

func TestParseConfigValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env   map[string]string
		check func(config) bool
	}{
		{map[string]string{"PORT": "0", "METRICS_PORT": "0"}, func(c config) bool { return c.port == 0 && c.metricsPort == 0 }},
		{map[string]string{"PORT": "65535"}, func(c config) bool { return c.port == 65535 }},
		{map[string]string{"HOST": "127.0.0.1"}, func(c config) bool { return c.host == "127.0.0.1" }},
		{map[string]string{"HOST": "::1"}, func(c config) bool { return c.host == "::1" }},
		{map[string]string{"HOST": "localhost"}, func(c config) bool { return c.host == "localhost" }},
		{map[string]string{"LOG_LEVEL": "WARN"}, func(c config) bool { return c.logLevel == slog.LevelWarn }},
		{map[string]string{"LOG_LEVEL": "debug"}, func(c config) bool { return c.logLevel == slog.LevelDebug }},
		{map[string]string{"LOG_HEALTH_CHECKS": "true"}, func(c config) bool { return c.logHealthChecks }},
		{map[string]string{"DRAIN_DELAY": "0s"}, func(c config) bool { return c.drainDelay == 0 }},
		{map[string]string{"DRAIN_DELAY": "1m30s"}, func(c config) bool { return c.drainDelay == 90*time.Second }},
		{map[string]string{"SHUTDOWN_TIMEOUT": "300ms"}, func(c config) bool { return c.shutdownTimeout == 300*time.Millisecond }},
		{map[string]string{"REQUEST_TIMEOUT": "2s"}, func(c config) bool { return c.requestTimeout == 2*time.Second }},
		{map[string]string{"MAX_BODY_BYTES": "1024"}, func(c config) bool { return c.maxBodyBytes == 1024 }},
		{map[string]string{"SERVICE_NAME": "orders-api_2.v1"}, func(c config) bool { return c.serviceName == "orders-api_2.v1" }},
	}
	for _, tt := range tests {
		cfg, err := parseConfig(envOf(tt.env))
		if err != nil {
			t.Errorf("parseConfig(%v) = %v, want no error", tt.env, err)
			continue
		}
		if !tt.check(cfg) {
			t.Errorf("parseConfig(%v) = %+v", tt.env, cfg)
		}
	}
}

func TestParseConfigInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		wantForm    string // part of the accepted form the message must state
	}{
		{"PORT", "abc", "integer port 0-65535"},
		{"PORT", "-1", "integer port 0-65535"},
		{"PORT", "65536", "integer port 0-65535"},
		{"PORT", "80.5", "integer port 0-65535"},
		{"METRICS_PORT", "http", "integer port 0-65535"},
		{"METRICS_PORT", "8080", "different from PORT"},
		{"HOST", "not a host", "IP address or host name"},
		{"HOST", "-bad.example", "IP address or host name"},
		{"LOG_LEVEL", "verbose", "debug, info, warn, error"},
		{"LOG_HEALTH_CHECKS", "sometimes", "true or false"},
		{"DRAIN_DELAY", "-1s", "Go duration >= 0"},
		{"DRAIN_DELAY", "5", "Go duration >= 0"},
		{"SHUTDOWN_TIMEOUT", "0s", "Go duration > 0"},
		{"SHUTDOWN_TIMEOUT", "soon", "Go duration > 0"},
		{"REQUEST_TIMEOUT", "-5s", "Go duration > 0"},
		{"MAX_BODY_BYTES", "1MB", "integer number of bytes > 0"},
		{"MAX_BODY_BYTES", "0", "integer number of bytes > 0"},
		{"SERVICE_NAME", "my api", "letters, digits"},
		{"SERVICE_NAME", strings.Repeat("a", 64), "1-63"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := parseConfig(envOf(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatalf("want an error")
			}
			msg := err.Error()
			wantPrefix := "invalid " + tt.name + " "
			if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, tt.wantForm) || strings.Contains(msg, "\n") {
				t.Errorf("error = %q, want one line starting %q and stating %q", msg, wantPrefix, tt.wantForm)
			}
			if exitCode(err) != 2 {
				t.Errorf("exitCode = %d, want 2", exitCode(err))
			}
		})
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := parseConfig(envOf(map[string]string{"PORT": "abc", "DRAIN_DELAY": "-1s"}))
	if err == nil {
		t.Fatal("want an error")
	}
	want := `invalid PORT "abc": want an integer port 0-65535 (0 picks a free port); invalid DRAIN_DELAY "-1s": want a Go duration >= 0, e.g. 5s or 0s`
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
}
