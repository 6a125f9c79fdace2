package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// config is everything the service reads from its environment. Every field
// has a default that fits ECS behind an ALB, so an empty environment works.
type config struct {
	host            string
	port            int
	metricsPort     int
	logLevel        slog.Level
	logHealthChecks bool
	drainDelay      time.Duration
	shutdownTimeout time.Duration
	requestTimeout  time.Duration
	maxBodyBytes    int64
	serviceName     string
}

// configError lists every invalid setting at once, on one line, so an
// operator fixes them in one round trip. main exits 2 on it.
type configError struct {
	problems []string
}

func (e *configError) Error() string {
	return strings.Join(e.problems, "; ")
}

// parseConfig reads and validates the environment. An unset or empty
// variable takes its default; a set one must be valid, never silently
// replaced.
func parseConfig(getenv func(string) string) (config, error) {
	p := envParser{getenv: getenv}
	cfg := config{
		host:        p.host("HOST", ""),
		port:        p.port("PORT", 8080),
		metricsPort: p.port("METRICS_PORT", 9090),
		logLevel:    p.logLevel("LOG_LEVEL", slog.LevelInfo),
		// Probes every few seconds from each ALB node would drown the
		// access log, so they are left out unless asked for.
		logHealthChecks: p.boolean("LOG_HEALTH_CHECKS", false),
		// DRAIN_DELAY + SHUTDOWN_TIMEOUT (20s) stays well inside ECS's
		// 30s stopTimeout, after which the task is killed.
		drainDelay:      p.duration("DRAIN_DELAY", 5*time.Second, 0),
		shutdownTimeout: p.duration("SHUTDOWN_TIMEOUT", 15*time.Second, time.Nanosecond),
		requestTimeout:  p.duration("REQUEST_TIMEOUT", 10*time.Second, time.Nanosecond),
		maxBodyBytes:    p.byteCount("MAX_BODY_BYTES", 1<<20),
		serviceName:     p.serviceName("SERVICE_NAME", "api"),
	}
	if cfg.port != 0 && cfg.port == cfg.metricsPort {
		p.fail("METRICS_PORT", strconv.Itoa(cfg.metricsPort), "a port different from PORT, so the load balancer never reaches metrics")
	}
	if len(p.problems) > 0 {
		return config{}, &configError{problems: p.problems}
	}
	return cfg, nil
}

// envParser collects problems instead of stopping at the first one.
type envParser struct {
	getenv   func(string) string
	problems []string
}

func (p *envParser) fail(name, value, want string) {
	p.problems = append(p.problems, fmt.Sprintf("invalid %s %q: want %s", name, value, want))
}

// lookup is the one rule every variable follows: unset or empty takes def;
// a set value must parse, or it is recorded as a problem (described by
// want) and def stands in so parsing can go on to the next variable.
func lookup[T any](p *envParser, name string, def T, want string, parse func(string) (T, bool)) T {
	v := p.getenv(name)
	if v == "" {
		return def
	}
	parsed, ok := parse(v)
	if !ok {
		p.fail(name, v, want)
		return def
	}
	return parsed
}

func (p *envParser) port(name string, def int) int {
	return lookup(p, name, def, "an integer port 0-65535 (0 picks a free port)", func(v string) (int, bool) {
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0 && n <= 65535
	})
}

func (p *envParser) host(name, def string) string {
	return lookup(p, name, def, "an IP address or host name to listen on, e.g. 127.0.0.1 (empty: all interfaces)", func(v string) (string, bool) {
		_, err := netip.ParseAddr(v)
		return v, err == nil || isHostname(v)
	})
}

func (p *envParser) logLevel(name string, def slog.Level) slog.Level {
	return lookup(p, name, def, "one of debug, info, warn, error", func(v string) (slog.Level, bool) {
		switch strings.ToLower(v) {
		case "debug":
			return slog.LevelDebug, true
		case "info":
			return slog.LevelInfo, true
		case "warn":
			return slog.LevelWarn, true
		case "error":
			return slog.LevelError, true
		}
		return 0, false
	})
}

func (p *envParser) boolean(name string, def bool) bool {
	return lookup(p, name, def, "true or false", func(v string) (bool, bool) {
		b, err := strconv.ParseBool(v)
		return b, err == nil
	})
}

// duration parses Go syntax ("300ms", "5s", "1m30s") and enforces a minimum:
// zero is a valid drain delay but not a valid timeout.
func (p *envParser) duration(name string, def, minimum time.Duration) time.Duration {
	want := "a Go duration > 0, e.g. " + def.String()
	if minimum == 0 {
		want = "a Go duration >= 0, e.g. " + def.String() + " or 0s"
	}
	return lookup(p, name, def, want, func(v string) (time.Duration, bool) {
		d, err := time.ParseDuration(v)
		return d, err == nil && d >= minimum
	})
}

func (p *envParser) byteCount(name string, def int64) int64 {
	return lookup(p, name, def, "an integer number of bytes > 0, e.g. 1048576", func(v string) (int64, bool) {
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil && n > 0
	})
}

// serviceName is restricted to characters that are safe in log fields,
// metric labels and URLs alike.
func (p *envParser) serviceName(name, def string) string {
	return lookup(p, name, def, "1-63 letters, digits, '.', '_' or '-'", func(v string) (string, bool) {
		return v, len(v) <= 63 && strings.IndexFunc(v, func(r rune) bool { return !isNameChar(r) }) < 0
	})
}

func isNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// isHostname accepts DNS names such as "localhost" or "api.internal".
func isHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		if strings.IndexFunc(label, func(r rune) bool { return !isNameChar(r) || r == '.' || r == '_' }) >= 0 {
			return false
		}
	}
	return true
}
