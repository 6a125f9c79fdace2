package main

import (
	"testing"
	"time"
)

// TestCommitFromTags reads back what imageTag writes, and nothing else.
func TestCommitFromTags(t *testing.T) {
	t.Parallel()
	pushed := imageTag("0123456789abcdef0123456789abcdef01234567", time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))
	tests := []struct {
		tags       []string
		wantCommit string
	}{
		{[]string{pushed}, "0123456789ab"},
		{[]string{"latest", "1111111-20261129090000"}, "1111111"},
		{[]string{"latest", "v1.2.0"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got, _ := commitFromTags(tt.tags); got != tt.wantCommit {
			t.Errorf("commitFromTags(%q) = %q, want %q", tt.tags, got, tt.wantCommit)
		}
	}
}
