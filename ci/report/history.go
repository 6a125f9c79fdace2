package report

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Deploy is one entry of an environment's deploy history, recorded as the
// deploy ends, whatever its outcome. Its JSON form is what is stored in the
// state bucket and what `history --json` prints.
type Deploy struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`  // deploy or rollback
	Image   string    `json:"image"` // repository@sha256:...
	Commit  string    `json:"commit,omitempty"`
	Version string    `json:"version,omitempty"`
	Caller  string    `json:"caller"`          // the AWS caller ARN
	Actor   string    `json:"actor,omitempty"` // GITHUB_ACTOR, in a workflow
	RunURL  string    `json:"run_url,omitempty"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail,omitempty"` // the first line of the error, when it failed

	// Signature is what deploy found before Terraform ran: the verified
	// signer, or why the image went out unverified (--allow-unsigned).
	Signature  string `json:"signature,omitempty"`
	Unverified bool   `json:"unverified,omitempty"`

	// Bake is what the watch after the smoke test saw; none in entries
	// written before there was one, and when it was not reached.
	Bake *Bake `json:"bake,omitempty"`
}

// The kinds of deploy.
const (
	KindDeploy   = "deploy"
	KindRollback = "rollback"
)

// The outcomes of a deploy.
const (
	OutcomeLive       = "live"
	OutcomeRolledBack = "rolled back by ECS"
	OutcomeSmokeFail  = "failed smoke test"
	// OutcomeNotWaited: applied, then the run was interrupted before the
	// ECS wait and the smoke test; status says how the rollout went.
	OutcomeNotWaited = "applied, not waited for"
	OutcomeFailed    = "failed"
)

// Digest is the sha256:... part of a digest reference.
func Digest(image string) string {
	_, digest, ok := strings.Cut(image, "@")
	if !ok {
		return ""
	}
	return digest
}

// Who is the person or workflow behind a deploy: the GitHub actor when a
// workflow ran it, otherwise the AWS caller.
func (d Deploy) Who() string {
	if d.Actor != "" {
		return d.Actor
	}
	return d.Caller
}

// HistoryText renders the history as a table, newest first, numbered as
// `rollback --to N` counts.
func HistoryText(w io.Writer, history []Deploy) error {
	if len(history) == 0 {
		_, err := io.WriteString(w, "No deploys recorded yet for this environment.\n")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTIME (UTC)\tKIND\tOUTCOME\tDIGEST\tCOMMIT\tVERSION\tWHO\tBAKE")
	for i, d := range history {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, d.Time.UTC().Format("2006-01-02 15:04:05"),
			d.Kind, d.outcomeText(), shortDigest(Digest(d.Image)), orNone(shortCommit(d.Commit)), orNone(d.Version), d.Who(), d.Bake.shortText())
	}
	return tw.Flush()
}

// outcomeText flags a deploy that went out without a verified signature,
// so nobody rolls back to it unawares.
func (d Deploy) outcomeText() string {
	if d.Unverified {
		return d.Outcome + ", UNVERIFIED"
	}
	return d.Outcome
}

func shortDigest(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return orNone(digest)
}

func shortCommit(commit string) string {
	return commit[:min(len(commit), 12)]
}

// ErrNoRollbackTarget says there is nothing earlier to go back to.
var ErrNoRollbackTarget = errors.New("no earlier live deploy in this environment's history to roll back to")

// RollbackTarget picks the deploy to go back to. With to empty: the newest
// live deploy of another image than the one running now that is older
// than the running image's own first going live (its newest entry of kind
// deploy, not a rollback to it), so that rolling back twice walks further
// back instead of flipping between two images.
// With to a number N: the Nth entry of the history as `history` numbers
// it; with to a digest (or a prefix of one): the newest entry of it.
func RollbackTarget(history []Deploy, running, to string) (Deploy, error) {
	if to != "" {
		if n, err := strconv.Atoi(to); err == nil {
			if n < 1 || n > len(history) {
				return Deploy{}, fmt.Errorf("--to %d: the history has %d entries (see go run ./ci history)", n, len(history))
			}
			return history[n-1], nil
		}
		want := strings.TrimPrefix(to, "sha256:")
		for _, d := range history {
			if want != "" && strings.HasPrefix(strings.TrimPrefix(Digest(d.Image), "sha256:"), want) {
				return d, nil
			}
		}
		return Deploy{}, fmt.Errorf("--to %s: no deploy of that digest in the history (see go run ./ci history)", to)
	}
	runningDigest := Digest(running)
	start := 0
	for i, d := range history {
		if d.Kind != KindRollback && d.Outcome == OutcomeLive && Digest(d.Image) == runningDigest {
			start = i + 1
			break
		}
	}
	for _, d := range history[start:] {
		if d.Outcome == OutcomeLive && Digest(d.Image) != runningDigest {
			return d, nil
		}
	}
	return Deploy{}, ErrNoRollbackTarget
}
