package terraform

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// state is a Terraform state file as the S3 and local backends write it,
// with the given lineage, serial and bucket resource name.
func state(lineage string, serial int, bucket string) []byte {
	return []byte(`{"version": 4, "terraform_version": "1.11.4", "serial": ` + strconv.Itoa(serial) + `, "lineage": "` + lineage + `",
  "outputs": {"state_bucket": {"value": "` + bucket + `", "type": "string"}},
  "resources": [{"mode": "managed", "type": "aws_s3_bucket", "name": "this", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
    "instances": [{"schema_version": 0, "attributes": {"bucket": "` + bucket + `"}}]}],
  "check_results": null}`)
}

var emptyState = []byte(`{"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "l", "outputs": {}, "resources": [], "check_results": null}`)

func TestChooseBootstrapStart(t *testing.T) {
	t.Parallel()
	facts := func(exists bool, inBucket, local []byte) BootstrapFacts {
		return BootstrapFacts{Bucket: "goship-state", Region: "eu-west-1", BucketExists: exists, InBucket: inBucket, Local: local, LocalPath: "infra/bootstrap/terraform.tfstate"}
	}
	tests := []struct {
		name    string
		facts   BootstrapFacts
		want    BootstrapChoice
		wantErr []string
	}{
		{"first run: no bucket, no local state", facts(false, nil, nil), BootstrapChoice{Start: FirstRun}, nil},
		{"a first run that stopped before creating the bucket: its local state goes in", facts(false, nil, state("a", 4, "goship-state")),
			BootstrapChoice{Start: FirstRun, UseLocal: true}, nil},
		{"an empty local state is not worth taking in", facts(false, nil, emptyState), BootstrapChoice{Start: FirstRun}, nil},
		{"state from before the bucket held it: moved in", facts(true, nil, state("a", 4, "goship-state")),
			BootstrapChoice{Start: MoveLocalState, UseLocal: true}, nil},
		{"later runs, from any machine: the bucket's", facts(true, state("b", 7, "goship-state"), nil), BootstrapChoice{Start: FromBucket}, nil},
		{"a local copy of the bucket's state (the move starts a new lineage) is set aside",
			facts(true, state("b", 1, "goship-state"), state("a", 4, "goship-state")), BootstrapChoice{Start: FromBucket, SetAsideLocal: true}, nil},
		{"an empty local state is set aside", facts(true, state("b", 7, "goship-state"), emptyState), BootstrapChoice{Start: FromBucket, SetAsideLocal: true}, nil},
		{"a local state that differs from the bucket's stops the run", facts(true, state("b", 7, "goship-state"), state("a", 4, "other")), BootstrapChoice{},
			[]string{"s3://goship-state/bootstrap/terraform.tfstate (serial 7, 1 resources), and infra/bootstrap/terraform.tfstate holds a different one (serial 4, 1 resources): nothing was changed",
				"terraform -chdir=infra/bootstrap init -input=false -reconfigure -backend-config=bucket=goship-state -backend-config=key=bootstrap/terraform.tfstate -backend-config=region=eu-west-1\n",
				"mv infra/bootstrap/terraform.tfstate infra/bootstrap/terraform.tfstate.old", "state push -force terraform.tfstate"}},
		{"a bucket without bootstrap's state and no local state: lost, or not ours", facts(true, nil, nil), BootstrapChoice{},
			[]string{"the bucket goship-state exists, but holds no bootstrap state (s3://goship-state/bootstrap/terraform.tfstate) and there is no infra/bootstrap/terraform.tfstate here",
				"--state-bucket", "docs/adr/0001"}},
		{"the same, with an empty local state", facts(true, nil, emptyState), BootstrapChoice{}, []string{"holds no bootstrap state"}},
		{"a local file that is not a state", facts(false, nil, []byte("<html>")), BootstrapChoice{},
			[]string{"infra/bootstrap/terraform.tfstate is not a Terraform state file", "move it out of the way"}},
		{"a bucket object that is not a state", facts(true, []byte("{}"), nil), BootstrapChoice{},
			[]string{"s3://goship-state/bootstrap/terraform.tfstate is not a Terraform state file", "restore a previous version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ChooseBootstrapStart(tt.facts)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("ChooseBootstrapStart = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ChooseBootstrapStart = %+v; want an error", got)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestBootstrapStateKeyIsOutsideEveryEnvironment(t *testing.T) {
	t.Parallel()
	// The deploy and plan roles may touch "<app>/<environment>/*" only;
	// environments are [a-z][a-z0-9]{0,9}, so a key with one slash, whose
	// second part has a dot, is under no environment of any app.
	parts := strings.Split(BootstrapStateKey, "/")
	if len(parts) != 2 || !strings.Contains(parts[1], ".") {
		t.Errorf("BootstrapStateKey %q could be under an <app>/<environment>/ prefix", BootstrapStateKey)
	}
}

func TestSetAsideName(t *testing.T) {
	t.Parallel()
	got := SetAsideName("infra/bootstrap/terraform.tfstate", time.Date(2026, 12, 6, 7, 30, 0, 0, time.FixedZone("CET", 3600)))
	// *.tfstate.* is git-ignored and left out of every upload.
	if want := "infra/bootstrap/terraform.tfstate.moved-to-bucket-20261206T063000Z"; got != want {
		t.Errorf("SetAsideName = %q, want %q", got, want)
	}
}
