package terraform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Removal is a resource a plan deletes, or replaces by deleting it.
type Removal struct {
	Address string
	Replace bool // deleted and created again, rather than only deleted
}

func (r Removal) String() string {
	if r.Replace {
		return r.Address + " (replaced: destroyed and created again)"
	}
	return r.Address + " (destroyed)"
}

// planJSON is the part of `terraform show -json <plan>` this reads.
type planJSON struct {
	FormatVersion   string `json:"format_version"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Mode    string `json:"mode"`
		Change  struct {
			Actions []string `json:"actions"`
		} `json:"change"`
	} `json:"resource_changes"`
}

// PlannedRemovals lists what a saved plan would destroy: deletions and
// replacements ("delete" then "create", or "create" then "delete" under
// create_before_destroy), less the routine ones, by address, that a run
// makes every time (a new task definition revision for a new image).
func PlannedRemovals(showJSON []byte, routine []string) ([]Removal, error) {
	var plan planJSON
	if err := json.Unmarshal(showJSON, &plan); err != nil {
		return nil, fmt.Errorf("reading terraform show -json: %w", err)
	}
	if plan.FormatVersion == "" {
		return nil, fmt.Errorf("reading terraform show -json: no format_version: not a plan")
	}
	var removals []Removal
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == "data" || !slices.Contains(rc.Change.Actions, "delete") || slices.Contains(routine, rc.Address) {
			continue
		}
		removals = append(removals, Removal{Address: rc.Address, Replace: slices.Contains(rc.Change.Actions, "create")})
	}
	return removals, nil
}

// RemovalVerdict is what to do with a plan that destroys something.
type RemovalVerdict int

const (
	Proceed RemovalVerdict = iota // nothing to destroy, or the user said yes up front
	Ask                           // show the list and ask on the terminal
	Refuse                        // no one to ask: stop before apply
)

// DecideRemovals lets a plan that destroys what the user did not ask to
// destroy apply only with consent: the --allow-destroy flag, or an answer
// on a terminal. In CI, or without a terminal, it refuses.
func DecideRemovals(removals []Removal, allowDestroy, inCI, terminal bool) RemovalVerdict {
	switch {
	case len(removals) == 0 || allowDestroy:
		return Proceed
	case terminal && !inCI:
		return Ask
	}
	return Refuse
}

// DescribeRemovals is the list a user sees before saying yes or no.
func DescribeRemovals(stack string, removals []Removal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the plan for the %s stack destroys %d resource(s) this run did not ask to destroy:", stack, len(removals))
	for _, r := range removals {
		b.WriteString("\n  - " + r.String())
	}
	return b.String()
}
