package preflight

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/example/goship/internal/golden"
)

// fixed is a check that answers r and records that it ran.
func fixed(name string, r Result, ran *[]string, needs ...string) Check {
	return Check{Name: name, Needs: needs, Run: func(context.Context) Result {
		*ran = append(*ran, name)
		return r
	}}
}

var deploy = Mode{Name: "deploy", Engine: true, AWS: true, Builds: true}

func TestRunReportsEveryCheck(t *testing.T) {
	t.Parallel()
	var ran []string
	checks := []Check{
		fixed(Commit, Fail("no commit to deploy", "set --commit"), &ran),
		fixed(Engine, Pass("docker answers"), &ran),
		fixed(Region, Fail("no AWS region", "set --region"), &ran),
		fixed(Credentials, Pass("from the environment"), &ran),
		fixed(Account, Pass("123456789012"), &ran, Region, Credentials),
		fixed(BucketName, Pass("state"), &ran),
		fixed(Bucket, Pass("versioned"), &ran, BucketName, Account),
		fixed(GitHub, Pass("example/goship"), &ran),
	}
	got := Run(t.Context(), deploy, checks)

	// A check whose needs failed does not run, and says which; one the
	// mode does not need does not run either; every other check runs,
	// however many problems came before it.
	if want := []string{Commit, Engine, Region, Credentials, BucketName}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	want := []Result{
		{Check: Commit, State: Problem, Detail: "no commit to deploy", Fix: "set --commit"},
		{Check: Engine, State: OK, Detail: "docker answers"},
		{Check: Region, State: Problem, Detail: "no AWS region", Fix: "set --region"},
		{Check: Credentials, State: OK, Detail: "from the environment"},
		{Check: Account, State: NotChecked, Detail: "needs aws region"},
		{Check: BucketName, State: OK, Detail: "state"},
		{Check: Bucket, State: NotChecked, Detail: "needs aws account"},
		{Check: GitHub, State: Skipped, Detail: "not needed by deploy"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("results:\n%+v\nwant\n%+v", got, want)
	}
}

func TestApplies(t *testing.T) {
	t.Parallel()
	modes := map[string]Mode{
		"check":     {Name: "check", Engine: true, Builds: true},
		"serve":     {Name: "serve", Engine: true, Builds: true},
		"deploy":    deploy,
		"rollback":  {Name: "rollback", Engine: true, AWS: true},
		"deploy -i": {Name: "deploy", Engine: true, AWS: true},
		"plan":      {Name: "plan", Engine: true, AWS: true},
		"destroy":   {Name: "destroy", Engine: true, AWS: true},
		"bootstrap": {Name: "bootstrap", Engine: true, AWS: true},
		"status":    {Name: "status", AWS: true},
		"doctor":    {Name: Doctor, AWS: true},
	}
	want := map[string][]string{
		"check":     {Options, Dockerfile, Engine, ProviderMirror},
		"serve":     {Options, Dockerfile, Engine},
		"deploy":    {Options, Dockerfile, Commit, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket, SigningKey, Signer, BootstrapOutputs},
		"rollback":  {Options, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket, Signer, BootstrapOutputs},
		"deploy -i": {Options, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket, Signer, BootstrapOutputs},
		"plan":      {Options, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket, BootstrapOutputs},
		"destroy":   {Options, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket},
		"bootstrap": {Options, Engine, ProviderMirror, Region, Credentials, Account, BucketName, Bucket, GitHub},
		"status":    {Options, Region, Credentials, Account, BucketName, Bucket},
		"doctor":    Names(),
	}
	for name, m := range modes {
		var got []string
		for _, check := range Names() {
			if Applies(m, check) {
				got = append(got, check)
			}
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s needs %v, want %v", name, got, want[name])
		}
	}
}

func TestErr(t *testing.T) {
	t.Parallel()
	if err := Err("deploy", []Result{{Check: Engine, State: OK}, {Check: GitHub, State: Skipped}}); err != nil {
		t.Errorf("Err with nothing wrong = %v, want nil", err)
	}

	// One problem reads as it always has, with the check's name.
	one := Err("deploy", []Result{{Check: Engine, State: OK}, {Check: BucketName, State: Problem, Detail: "no Terraform state bucket", Fix: "set --state-bucket or TF_STATE_BUCKET"}})
	if one == nil || one.Error() != "state bucket name: no Terraform state bucket: set --state-bucket or TF_STATE_BUCKET" {
		t.Errorf("one problem = %q", one)
	}

	many := Err("deploy", []Result{
		{Check: Commit, State: Problem, Detail: "no commit to deploy", Fix: "set --commit"},
		{Check: Engine, State: OK, Detail: "docker answers"},
		{Check: Credentials, State: Problem, Detail: "no AWS credentials: set AWS_PROFILE"},
		{Check: Account, State: NotChecked, Detail: "needs aws credentials"},
		{Check: GitHub, State: Skipped, Detail: "not needed by deploy"},
	})
	want := "deploy cannot start: 2 problems, and 1 check not checked because of them (go run ./ci doctor shows every check):\n" +
		"  commit: no commit to deploy: set --commit\n" +
		"  aws credentials: no AWS credentials: set AWS_PROFILE\n" +
		"  aws account: not checked: needs aws credentials"
	if many == nil || many.Error() != want {
		t.Errorf("many problems =\n%v\nwant\n%s", many, want)
	}
}

func TestResultText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Result
		want string
	}{
		{Pass("123456789012"), "123456789012"},
		{Fail("no commit", "set --commit"), "no commit: set --commit"},
		{Failed(errors.New("no AWS credentials: set AWS_PROFILE")), "no AWS credentials: set AWS_PROFILE"},
		{Unchecked("needs aws account"), "not checked: needs aws account"},
		{Result{State: Skipped, Detail: "not needed by status"}, "skipped: not needed by status"},
	}
	for _, tt := range tests {
		if got := tt.r.Text(); got != tt.want {
			t.Errorf("%+v.Text() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// TestTable renders doctor's answer for a laptop half set up: golden, so
// that a change to its shape is a reviewed change.
func TestTable(t *testing.T) {
	t.Parallel()
	results := []Result{
		{Check: Options, State: OK, Detail: "every option given applies to deploy"},
		{Check: Engine, State: OK, Detail: "docker answers"},
		{Check: Region, State: OK, Detail: "eu-west-1"},
		{Check: Credentials, State: OK, Detail: "from SharedConfigCredentials: /home/me/.aws/credentials"},
		{Check: Account, State: OK, Detail: "123456789012, as arn:aws:iam::123456789012:user/me"},
		{Check: BucketName, State: OK, Detail: "goship-state-123456789012"},
		{Check: Bucket, State: Problem, Detail: "no bucket goship-state-123456789012 in this account", Fix: "run go run ./ci bootstrap --state-bucket goship-state-123456789012"},
		{Check: SigningKey, State: Problem, Detail: "this deploy would publish an unsigned image", Fix: "name a key with --signing-key"},
		{Check: BootstrapOutputs, State: NotChecked, Detail: "needs state bucket"},
		{Check: GitHub, State: Skipped, Detail: "no GitHub repository: only a workflow deploy needs one"},
	}
	var out bytes.Buffer
	if err := Table(&out, results); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "table.txt", out.Bytes())

}

func TestOrder(t *testing.T) {
	t.Parallel()
	run := func(context.Context) Result { return Pass("") }
	tests := []struct {
		checks []Check
		want   string
	}{
		{checks: []Check{{Name: Engine, Run: run}, {Name: Region, Run: run}, {Name: Account, Needs: []string{Region}, Run: run}}},
		{checks: []Check{{Name: Region, Run: run}, {Name: Engine, Run: run}}, want: "out of order"},
		{checks: []Check{{Name: Engine, Run: run}, {Name: Engine, Run: run}}, want: "out of order or listed twice"},
		{checks: []Check{{Name: Account, Needs: []string{Region}, Run: run}}, want: `needs "aws region"`},
		{checks: []Check{{Name: "disk", Run: run}}, want: `unknown check "disk"`},
	}
	for _, tt := range tests {
		err := Order(tt.checks)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Order = %v, want %q", err, tt.want)
		}
	}
}
