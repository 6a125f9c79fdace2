package infra_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// bootstrapStateKey is where bootstrap keeps its own state in the state
// bucket (ci/terraform.BootstrapStateKey): it names every environment's
// roles and networks, so it is the administrator's alone.
const bootstrapStateKey = "bootstrap/terraform.tfstate"

// bootstrapStateCalls are what a deploy or plan role would make to read,
// overwrite, lock or list bootstrap's state.
var bootstrapStateCalls = []struct{ action, key, prefix string }{
	{"s3:GetObject", bootstrapStateKey, ""},
	{"s3:GetObjectVersion", bootstrapStateKey, ""},
	{"s3:PutObject", bootstrapStateKey, ""},
	{"s3:DeleteObject", bootstrapStateKey, ""},
	{"s3:PutObject", bootstrapStateKey + ".tflock", ""},
	{"s3:DeleteObject", bootstrapStateKey + ".tflock", ""},
	{"s3:ListBucket", "", "bootstrap/"},
	{"s3:ListBucket", "", bootstrapStateKey},
}

// stateAccessCases are bootstrapStateCalls made by every environment's
// deploy and plan roles of the rendered bootstrap, plus each role's read
// of its own service state, which must stay Allowed: without it the denials
// could come from a broken rendering rather than from the grants.
func stateAccessCases(t *testing.T, all []deployment, edit func(policy) policy) (attacks, controls []simCase) {
	t.Helper()
	for _, d := range all {
		for _, role := range []struct {
			name, arn string
			p         policy
		}{{"deploy", d.roleARN, d.deploy}, {"plan", d.planRole, d.plan}} {
			doc, err := edit(role.p).json()
			if err != nil {
				t.Fatal(err)
			}
			c := simCase{Principal: role.arn, IdentityPolicies: []namedPolicy{{Name: role.name, Policy: doc}}, AccountID: testAccountID}
			for _, call := range bootstrapStateCalls {
				a := c
				a.Name = fmt.Sprintf("%s role %s/%s: %s %s%s", role.name, d.app, d.env, call.action, call.key, call.prefix)
				a.Action = call.action
				a.Resource = "arn:aws:s3:::" + d.bucket
				a.Context = map[string]any{"aws:RequestedRegion": "us-east-1"}
				if call.key != "" {
					a.Resource += "/" + call.key
				} else {
					a.Context["s3:prefix"] = call.prefix
				}
				attacks = append(attacks, a)
			}
			own := c
			own.Name = fmt.Sprintf("%s role %s/%s: its own state", role.name, d.app, d.env)
			own.Action, own.Resource = "s3:GetObject", "arn:aws:s3:::"+d.bucket+"/"+d.app+"/"+d.env+"/service.tfstate"
			own.Context = map[string]any{"aws:RequestedRegion": "us-east-1"}
			controls = append(controls, own)
		}
	}
	return attacks, controls
}

// TestBootstrapStateIsOutOfTheRolesReach decides with the IAM simulator
// that no environment's deploy or plan role may read, write, lock or list
// bootstrap's state in the bucket, for app names and environments that
// spell the key's parts (app "bootstrap", environment "terraform"), while
// each still reads its own state; and that widening an environment's state
// grant to the whole bucket lets the read through, so the test would see
// that regression.
func TestBootstrapStateIsOutOfTheRolesReach(t *testing.T) {
	t.Parallel()
	node := requireSimulator(t)
	stacks := loadStacks(t)
	all, err := deployments(stacks)
	if err != nil {
		t.Fatal(err)
	}
	spelled, err := renderBootstrap(stacks["bootstrap"], "bootstrap", []string{"terraform", "dev"})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, spelled...)

	attacks, controls := stateAccessCases(t, all, func(p policy) policy { return p })
	widened, _ := stateAccessCases(t, all, widenStateGrants)
	for i := range widened {
		widened[i].Name = "widened " + widened[i].Name
	}
	results := simulate(t, node, slices.Concat(attacks, controls, widened))

	for _, c := range attacks {
		if r := results[c.Name]; r.Decision == "Allowed" || r.Decision == "Error" {
			t.Errorf("%s: %s by %v (errors %s), want denied", c.Name, r.Decision, r.decidedBy(), r.Errors)
		}
	}
	for _, c := range controls {
		if r := results[c.Name]; r.Decision != "Allowed" {
			t.Errorf("%s: %s (errors %s), want Allowed", c.Name, r.Decision, r.Errors)
		}
	}
	reopened := 0
	for _, c := range widened {
		if results[c.Name].Decision == "Allowed" && strings.Contains(c.Name, "s3:GetObject "+bootstrapStateKey) {
			reopened++
		}
	}
	// Every role whose grant was widened (each deploy and plan role) must now read it.
	if want := 2 * len(all); reopened != want {
		t.Errorf("with the state grants widened to the whole bucket, %d of %d roles read bootstrap's state; want all: the test would miss that regression", reopened, want)
	}
	t.Logf("%d calls on bootstrap's state denied to %d deploy and plan roles; %d own-state reads Allowed; the widened grant reopens %d", len(attacks), 2*len(all), len(controls), reopened)
}

// widenStateGrants is the regression the test must catch: an environment's
// state grant ("<bucket>/<app>/<env>/*") widened to the whole bucket.
func widenStateGrants(p policy) policy {
	out := policy{Statements: slices.Clone(p.Statements)}
	for i, st := range out.Statements {
		resources := slices.Clone(st.Resources)
		for j, r := range resources {
			if bucket, rest, ok := strings.Cut(strings.TrimPrefix(r, "arn:aws:s3:::"), "/"); ok && strings.HasSuffix(rest, "/*") && !strings.Contains(bucket, "*") && strings.Count(rest, "/") == 2 {
				resources[j] = "arn:aws:s3:::" + bucket + "/*"
			}
		}
		out.Statements[i].Resources = resources
	}
	return out
}
