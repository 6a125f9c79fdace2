package main

import (
	"strings"
	"testing"
	"time"
)

// TestBakeLength: each environment has its documented default; --bake
// and BAKE override it, 0 turns the watch off, and a length that is not
// one is refused with what to write instead.
func TestBakeLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		want      time.Duration
		wantGiven bool
	}{
		{"dev's default", []string{"deploy"}, nil, 5 * time.Minute, false},
		{"prod's default", []string{"deploy", "--env", "prod"}, nil, 10 * time.Minute, false},
		{"another environment's default", nil, map[string]string{"ENVIRONMENT": "staging"}, 5 * time.Minute, false},
		{"--bake", []string{"deploy", "--env", "prod", "--bake", "15m"}, nil, 15 * time.Minute, true},
		{"BAKE", []string{"deploy"}, map[string]string{"BAKE": "90s"}, 90 * time.Second, true},
		{"--bake 0 turns it off", []string{"deploy", "--env", "prod", "--bake", "0"}, nil, 0, true},
	}
	for _, tt := range tests {
		_, cfg, err := parseArgs(tt.args, envOf(tt.env), testFacts())
		if err != nil || cfg.bake != tt.want || cfg.bakeGiven != tt.wantGiven {
			t.Errorf("%s: bake %s (given %v), %v; want %s (given %v)", tt.name, cfg.bake, cfg.bakeGiven, err, tt.want, tt.wantGiven)
		}
	}
	for _, bad := range []string{"-1m", "soon", "5"} {
		_, _, err := parseArgs([]string{"deploy", "--bake", bad}, envOf(nil), testFacts())
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "or 0 to deploy without watching") {
			t.Errorf("--bake %s: %v (exit %d), want a usage error saying what to write", bad, err, exitCode(err))
		}
	}
}

// TestBakePollInterval: production bakes look every 30 s, twice per alarm
// period; a short rehearsal still gets about ten looks.
func TestBakePollInterval(t *testing.T) {
	t.Parallel()
	for length, want := range map[time.Duration]time.Duration{
		10 * time.Minute: 30 * time.Second,
		5 * time.Minute:  30 * time.Second,
		2 * time.Minute:  12 * time.Second,
		20 * time.Second: 2 * time.Second,
		time.Second:      100 * time.Millisecond,
	} {
		if got := bakePollInterval(length); got != want {
			t.Errorf("bakePollInterval(%s) = %s, want %s", length, got, want)
		}
	}
}
