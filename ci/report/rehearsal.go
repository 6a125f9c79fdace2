package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The phases of a rehearsal, in the order they run. Two deploys come
// before the rollback because a rollback goes back to the last live image
// before the running one: the second deploy builds the same commit under
// another version, so that its digest differs.
const (
	PhaseStart     = "start the emulator and the registry"
	PhaseBootstrap = "bootstrap the environment"
	PhaseDeploy    = "deploy"
	PhaseRedeploy  = "deploy a second build"
	PhaseStatus    = "status"
	PhaseHistory   = "history"
	PhaseRollback  = "rollback"
	PhaseDestroy   = "destroy"
)

// The outcomes of a phase.
const (
	PhasePassed  = "ok"
	PhaseFailed  = "failed"
	PhaseNoted   = "ok, with a note" // ran as it would against AWS; the emulator shows less
	PhaseSkipped = "skipped"
	PhaseNotRun  = "not run" // an earlier phase failed
)

// Phase is one phase of a rehearsal as it ended.
type Phase struct {
	Name    string
	Took    time.Duration
	Outcome string
	Detail  string // the digest deployed, or what the note or failure is
}

// Rehearsal is the record of a rehearsal: every planned phase, each with
// its outcome once it ran.
type Rehearsal struct {
	Phases []Phase
}

// NewRehearsal plans the phases a rehearsal runs, none run yet. With
// keep, it stops before destroy: what was deployed stays in the emulator
// for the user to look at, and goes with it at Ctrl-C.
func NewRehearsal(keep bool) *Rehearsal {
	r := &Rehearsal{}
	for _, name := range []string{PhaseStart, PhaseBootstrap, PhaseDeploy, PhaseRedeploy, PhaseStatus, PhaseHistory, PhaseRollback, PhaseDestroy} {
		p := Phase{Name: name, Outcome: PhaseNotRun}
		if keep && name == PhaseDestroy {
			p.Outcome, p.Detail = PhaseSkipped, "--keep: the emulator stays up until Ctrl-C"
		}
		r.Phases = append(r.Phases, p)
	}
	return r
}

// Runs reports whether the named phase is planned to run (not skipped).
func (r *Rehearsal) Runs(name string) bool {
	for _, p := range r.Phases {
		if p.Name == name {
			return p.Outcome != PhaseSkipped
		}
	}
	return false
}

// Record sets how the named phase ended. A phase the plan does not have is
// a mistake in the caller, and says so in the table rather than vanishing.
func (r *Rehearsal) Record(p Phase) {
	for i := range r.Phases {
		if r.Phases[i].Name == p.Name {
			r.Phases[i] = p
			return
		}
	}
	r.Phases = append(r.Phases, Phase{Name: p.Name, Took: p.Took, Outcome: p.Outcome, Detail: "(not a planned phase) " + p.Detail})
}

// Passed reports whether every phase that had to run ran and passed: a
// note is a pass, a skip is one only when planned (--keep), and a phase
// never reached is a failure of the rehearsal.
func (r *Rehearsal) Passed() bool {
	for _, p := range r.Phases {
		switch p.Outcome {
		case PhasePassed, PhaseNoted, PhaseSkipped:
		default:
			return false
		}
	}
	return len(r.Phases) > 0
}

// Total is the time of every phase together.
func (r *Rehearsal) Total() time.Duration {
	var total time.Duration
	for _, p := range r.Phases {
		total += p.Took
	}
	return total
}

// RehearsalText prints the phase table: what ran, how long it took, and
// how it ended.
func RehearsalText(w io.Writer, r *Rehearsal) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nRehearsal")
	fmt.Fprintln(tw, "  PHASE\tTIME\tOUTCOME\tDETAIL")
	for _, p := range r.Phases {
		took := "-"
		if p.Outcome != PhaseNotRun && p.Outcome != PhaseSkipped {
			took = p.Took.Round(time.Second).String()
		}
		detail := FirstLine(p.Detail)
		if detail == "" {
			detail = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, took, p.Outcome, detail)
	}
	verdict := "rehearsal passed"
	if !r.Passed() {
		verdict = "rehearsal failed"
	}
	fmt.Fprintf(tw, "  total\t%s\t%s\t\n", r.Total().Round(time.Second), verdict)
	return tw.Flush()
}

// EmulatorEnviron is what the AWS CLI (and any SDK) needs to talk to the
// rehearsal's emulator, as shell lines: its endpoint, the fake keys it
// accepts and the region, and no profile, session token or shared files,
// so that nothing typed at that shell can reach a real account.
func EmulatorEnviron(endpoint, keyID, secret, region string) string {
	vars := []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=" + keyID,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=" + region,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
	return "unset AWS_PROFILE AWS_SESSION_TOKEN\nexport " + strings.Join(vars, " \\\n  ") + "\n"
}
