// Package preflight decides what a run checks before it starts, and how
// the answers read: which checks a mode needs, which were not checked
// because one they need failed, and the one message (or doctor's table)
// that names every problem with its fix. It runs the checks it is given;
// the checks themselves live with what they touch (the engine probe in
// package main, the AWS calls in ci/cloud), so this package imports
// neither Dagger nor the AWS SDK.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// State is how a check came out.
type State int

const (
	OK         State = iota
	Problem          // something the run needs is missing or wrong
	NotChecked       // a check it needs did not pass, so it could not run
	Skipped          // the mode does not need it
)

func (s State) String() string {
	switch s {
	case OK:
		return "ok"
	case Problem:
		return "problem"
	case NotChecked:
		return "not checked"
	default:
		return "skipped"
	}
}

// The checks, by the names the message and the table show. The order of
// this list is the order a run performs them and reports them in.
const (
	Options          = "options"
	Dockerfile       = "dockerfile"
	Commit           = "commit"
	Engine           = "engine"
	ProviderMirror   = "provider mirror"
	Region           = "aws region"
	Credentials      = "aws credentials"
	Account          = "aws account"
	BucketName       = "state bucket name"
	Bucket           = "state bucket"
	SigningKey       = "signing key"
	Signer           = "signer"
	BootstrapOutputs = "bootstrap outputs"
	GitHub           = "github repository"
)

// Names lists every check in the order runs perform them.
func Names() []string {
	return []string{Options, Dockerfile, Commit, Engine, ProviderMirror, Region, Credentials, Account,
		BucketName, Bucket, SigningKey, Signer, BootstrapOutputs, GitHub}
}

// Result is one check's answer. Detail says what was found; for a problem,
// Fix says what to run or set, unless Detail already ends by saying it
// (the messages the pipeline has always given read "what: how").
type Result struct {
	Check  string
	State  State
	Detail string
	Fix    string
}

// Pass is a check that found what the run needs.
func Pass(detail string) Result { return Result{State: OK, Detail: detail} }

// Fail is a problem and how to fix it.
func Fail(detail, fix string) Result { return Result{State: Problem, Detail: detail, Fix: fix} }

// Failed is a problem whose error already names its fix.
func Failed(err error) Result { return Result{State: Problem, Detail: err.Error()} }

// Unchecked is a check that could not run, and what it would need.
func Unchecked(reason string) Result { return Result{State: NotChecked, Detail: reason} }

// Text is the result as one line, without the check's name.
func (r Result) Text() string {
	switch r.State {
	case Problem:
		if r.Fix == "" {
			return r.Detail
		}
		return r.Detail + ": " + r.Fix
	case NotChecked, Skipped:
		return r.State.String() + ": " + r.Detail
	}
	return r.Detail
}

// Check is one thing a run makes sure of before it starts. Run is called
// only when the mode needs the check and every check in Needs passed.
type Check struct {
	Name  string
	Needs []string
	Run   func(ctx context.Context) Result
}

// Mode is what the preflight needs to know about a run.
type Mode struct {
	Name   string
	Engine bool // opens a Dagger session
	AWS    bool // talks to AWS and keeps state in the state bucket
	Builds bool // builds the image from the checkout (no --image)
}

// Doctor is the mode that runs every check, as a deploy from the checkout
// would need it, and reports them all rather than stopping.
const Doctor = "doctor"

// Applies says whether a run of m needs check.
func Applies(m Mode, check string) bool {
	if m.Name == Doctor {
		return true
	}
	switch check {
	case Options:
		return true
	case Dockerfile:
		return m.Builds
	case Commit:
		return m.Name == "deploy" && m.Builds
	case Engine:
		return m.Engine
	case ProviderMirror:
		// Every engine mode but serve runs Terraform.
		return m.Engine && m.Name != "serve"
	case Region, Credentials, Account, BucketName, Bucket:
		return m.AWS
	case SigningKey:
		return m.Name == "deploy" && m.Builds
	case Signer:
		return m.Name == "deploy" || m.Name == "rollback"
	case BootstrapOutputs:
		// The service stack reads them: every mode that plans or applies it.
		return m.Name == "deploy" || m.Name == "rollback" || m.Name == "plan"
	case GitHub:
		return m.Name == "bootstrap"
	}
	return false
}

// Run performs the checks m needs, in order, and returns every check's
// result, the ones m does not need and the ones left unchecked included.
func Run(ctx context.Context, m Mode, checks []Check) []Result {
	results := make([]Result, 0, len(checks))
	passed := make(map[string]bool, len(checks))
	for _, c := range checks {
		var r Result
		switch missing := failedNeeds(c, passed); {
		case !Applies(m, c.Name):
			r = Result{State: Skipped, Detail: "not needed by " + m.Name}
		case len(missing) > 0:
			r = Unchecked("needs " + strings.Join(missing, ", "))
		default:
			r = c.Run(ctx)
		}
		r.Check = c.Name
		passed[c.Name] = r.State == OK
		results = append(results, r)
	}
	return results
}

func failedNeeds(c Check, passed map[string]bool) []string {
	var missing []string
	for _, need := range c.Needs {
		if !passed[need] {
			missing = append(missing, need)
		}
	}
	return missing
}

// Problems counts the results that stop a run: problems, and checks that
// could not run because of one.
func Problems(results []Result) int {
	n := 0
	for _, r := range results {
		if r.State == Problem || r.State == NotChecked {
			n++
		}
	}
	return n
}

// Err is nil when nothing stops the run; otherwise one message naming
// every problem, a line each with its fix, and the checks they left
// unchecked, so that one answer says everything to set.
func Err(mode string, results []Result) error {
	var lines []string
	problems := 0
	for _, r := range results {
		if r.State == Problem || r.State == NotChecked {
			lines = append(lines, "  "+r.Check+": "+r.Text())
		}
		if r.State == Problem {
			problems++
		}
	}
	switch {
	case len(lines) == 0:
		return nil
	case len(lines) == 1:
		return errors.New(strings.TrimSpace(lines[0]))
	}
	header := fmt.Sprintf("%s cannot start: %d %s", mode, problems, plural(problems, "problem", "problems"))
	if unchecked := len(lines) - problems; unchecked > 0 {
		header += fmt.Sprintf(", and %d %s not checked because of them", unchecked, plural(unchecked, "check", "checks"))
	}
	return fmt.Errorf("%s (go run ./ci doctor shows every check):\n%s", header, strings.Join(lines, "\n"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Table prints doctor's answer: a row per check with its state, and what
// was found or, for a problem, what to do.
func Table(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATE\tFOUND, OR THE FIX")
	for _, r := range results {
		text := r.Detail
		if r.State == Problem {
			text = r.Text()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Check, r.State, text)
	}
	return tw.Flush()
}

// Order checks that checks are listed in the order of Names, each once, so
// that every run reports them the same way.
func Order(checks []Check) error {
	names := Names()
	last := -1
	seen := make(map[string]bool)
	for _, c := range checks {
		i := slices.Index(names, c.Name)
		if i < 0 {
			return fmt.Errorf("unknown check %q", c.Name)
		}
		if seen[c.Name] || i < last {
			return fmt.Errorf("check %q is out of order or listed twice", c.Name)
		}
		for _, need := range c.Needs {
			if !seen[need] {
				return fmt.Errorf("check %q needs %q, which does not come before it", c.Name, need)
			}
		}
		seen[c.Name] = true
		last = i
	}
	return nil
}
