package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/internal/golden"
)

const repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev"

func image(c byte) string { return repo + "@sha256:" + strings.Repeat(string(c), 64) }

// testHistory is newest first, as History returns it: C is running, B
// before it failed its smoke test, A and D were live earlier.
func testHistory() []Deploy {
	at := func(min int) time.Time { return time.Date(2026, 11, 29, 10, min, 0, 0, time.UTC) }
	return []Deploy{
		{Time: at(50), Kind: "deploy", Image: image('c'), Commit: "cccccccccccccccccccc", Version: "v1.3.0", Caller: "arn:aws:sts::123456789012:assumed-role/github-deploy-goship/GitHubActions", Actor: "octocat", Outcome: OutcomeLive,
			Bake: &Bake{Length: "10m0s", Watched: "10m0s", Polls: 21, Outcome: BakePassed, Traffic: ptr(MeasuredTraffic(at(51), at(61), 1250, 3, ptr(91.5)))}},
		{Time: at(40), Kind: "deploy", Image: image('b'), Commit: "bbbbbbbbbbbbbbbbbbbb", Version: "v1.2.1", Caller: "arn:aws:iam::123456789012:user/alice", Outcome: OutcomeSmokeFail, Detail: "smoke test failed"},
		{Time: at(30), Kind: "deploy", Image: image('a'), Commit: "aaaaaaaaaaaaaaaaaaaa", Version: "v1.2.0", Caller: "arn:aws:iam::123456789012:user/alice", Outcome: OutcomeLive},
		{Time: at(20), Kind: "deploy", Image: image('e'), Outcome: OutcomeRolledBack, Caller: "arn:aws:iam::123456789012:user/alice"},
		{Time: at(10), Kind: "deploy", Image: image('d'), Commit: "dddddddddddddddddddd", Version: "v1.1.0", Caller: "arn:aws:iam::123456789012:user/alice", Outcome: OutcomeLive,
			Signature: "NOT VERIFIED (no signature), deployed with --allow-unsigned", Unverified: true},
	}
}

func TestRollbackTarget(t *testing.T) {
	t.Parallel()
	h := testHistory()
	rolledBackToA := append([]Deploy{{Kind: "rollback", Image: image('a'), Outcome: OutcomeLive}}, h...)
	tests := []struct {
		name    string
		history []Deploy
		running string
		to      string
		want    string // image
		wantErr string
	}{
		{name: "skips the failed deploy and the running image", history: h, running: image('c'), want: image('a')},
		{name: "a second rollback walks further back", history: rolledBackToA, running: image('a'), want: image('d')},
		{name: "nothing running: the newest live deploy", history: h, running: "", want: image('c')},
		{name: "running image not in the history", history: h, running: image('f'), want: image('c')},
		{name: "by number, as history numbers them", history: h, running: image('c'), to: "5", want: image('d')},
		{name: "by digest", history: h, running: image('c'), to: "sha256:" + strings.Repeat("d", 64), want: image('d')},
		{name: "by digest prefix", history: h, running: image('c'), to: "dddd", want: image('d')},
		{name: "number out of range", history: h, running: image('c'), to: "6", wantErr: "the history has 5 entries"},
		{name: "unknown digest", history: h, running: image('c'), to: "ffff", wantErr: "no deploy of that digest"},
		{name: "only the running image", history: h[:1], running: image('c'), wantErr: ErrNoRollbackTarget.Error()},
		{name: "empty history", running: image('c'), wantErr: ErrNoRollbackTarget.Error()},
	}
	for _, tt := range tests {
		got, err := RollbackTarget(tt.history, tt.running, tt.to)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Image != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.name, got.Image, err, tt.want)
		}
	}
	if _, err := RollbackTarget(nil, "", ""); !errors.Is(err, ErrNoRollbackTarget) {
		t.Errorf("empty history: %v, want ErrNoRollbackTarget", err)
	}
}

func TestHistoryText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := HistoryText(&out, testHistory()); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "history.txt.golden", out.Bytes())

	out.Reset()
	if err := HistoryText(&out, nil); err != nil || !strings.Contains(out.String(), "No deploys") {
		t.Errorf("empty history: %q, %v", out.String(), err)
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		image('a'):   "sha256:" + strings.Repeat("a", 64),
		repo + ":v1": "",
		"":           "",
	} {
		if got := Digest(in); got != want {
			t.Errorf("Digest(%q) = %q, want %q", in, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
