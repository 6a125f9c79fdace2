package infra_test

import (
	"net/url"
	"slices"
	"testing"
)

// The read-back trusts parsePolicyJSON and wildcardMatch to see policies as
// IAM does; these pin the forms IAM returns and the matching it applies.

func TestParsePolicyJSON(t *testing.T) {
	t.Parallel()
	doc := `{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"iam:PassRole",` +
		`"Resource":["arn:aws:iam::123456789012:role/a-*","arn:aws:iam::123456789012:role/b"],` +
		`"Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com","aws:ResourceTag/Application":["goship"]}}}}`
	for name, in := range map[string]string{"plain": doc, "URL-encoded, as IAM returns it": url.PathEscape(doc)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := parsePolicyJSON(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Statements) != 1 {
				t.Fatalf("want one statement, got %d", len(p.Statements))
			}
			st := p.Statements[0]
			if st.Sid != "One" || !st.allows() || !slices.Equal(st.Actions, []string{"iam:PassRole"}) || len(st.Resources) != 2 {
				t.Errorf("statement = %+v", st)
			}
			if !st.requires("iam:PassedToService", "ecs-tasks.amazonaws.com") || !st.requires("aws:ResourceTag/Application", "goship") {
				t.Errorf("conditions = %+v", st.Conditions)
			}
		})
	}
	if _, err := parsePolicyJSON(`{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`); err == nil {
		t.Error("NotPrincipal must be refused, not read as no principal")
	}
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"arn:aws:iam::1:role/goship-dev-*", "arn:aws:iam::1:role/goship-dev-task", true},
		{"arn:aws:iam::1:role/goship-dev-*", "arn:aws:iam::1:role/goship-dev", false},
		{"arn:aws:iam::1:role/goship-dev-*", "arn:aws:iam::1:role/goship-dev-x/y", true}, // * crosses "/"
		{"arn:aws:iam::1:role/github-deploy-*", "arn:aws:iam::1:role/github-deploy/goship-dev", false},
		{"arn:aws:iam::1:role/git?ub-*", "arn:aws:iam::1:role/github-x", true},
		{"arn:aws:s3:::b/goship/dev/*", "arn:aws:s3:::b/goship/devx/service.tfstate", false},
		{"a.b", "axb", false}, // regexp metacharacters are literal
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
