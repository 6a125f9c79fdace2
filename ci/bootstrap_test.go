package main

import (
	"strings"
	"testing"
)

// TestBootstrapOutputs reads real `terraform output -json` documents of the
// bootstrap stack: without --github-repository, deploy_role_arn is null,
// and bootstrap still succeeds.
func TestBootstrapOutputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json string
		want       []string
		unwanted   string
	}{
		{
			name: "with a deploy role",
			json: `{"deploy_role_arn":{"sensitive":false,"type":"string","value":"arn:aws:iam::123456789012:role/goship-deploy"},
				"region":{"sensitive":false,"type":"string","value":"eu-west-1"},
				"state_bucket":{"sensitive":false,"type":"string","value":"goship-state-123456789012"}}`,
			want: []string{"AWS_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/goship-deploy", "TF_STATE_BUCKET=goship-state-123456789012", "AWS_REGION=eu-west-1"},
		},
		{
			name: "without a GitHub repository",
			json: `{"deploy_role_arn":{"sensitive":false,"type":"string","value":null},
				"region":{"sensitive":false,"type":"string","value":"eu-west-1"},
				"state_bucket":{"sensitive":false,"type":"string","value":"goship-state-123456789012"}}`,
			want:     []string{"No GitHub deploy role", "--github-repository", "TF_STATE_BUCKET=goship-state-123456789012"},
			unwanted: "AWS_DEPLOY_ROLE_ARN",
		},
	}
	for _, tt := range tests {
		outputs, err := decodeOutputs([]byte(tt.json))
		if err != nil {
			t.Fatal(err)
		}
		if err := requireOutputs(outputs, "state_bucket"); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		got := bootstrapNextSteps(outputs, "eu-west-1")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: next steps lack %q:\n%s", tt.name, w, got)
			}
		}
		if tt.unwanted != "" && strings.Contains(got, tt.unwanted) {
			t.Errorf("%s: next steps mention %q:\n%s", tt.name, tt.unwanted, got)
		}
	}
}
