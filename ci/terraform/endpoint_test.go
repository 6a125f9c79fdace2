package terraform

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPlanEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		environ  []string
		env      string // NAME=value pairs the container gets, sorted, space-separated
		bindings []HostBinding
		path     bool
		err      string
	}{
		{name: "real AWS", environ: []string{"AWS_REGION=eu-west-1", "HOME=/root"}},
		{name: "moto on the host's loopback", environ: []string{"AWS_ENDPOINT_URL=http://127.0.0.1:5000"},
			env:      "AWS_ENDPOINT_URL=http://aws-endpoint-5000:5000 AWS_S3_USE_PATH_STYLE=true",
			bindings: []HostBinding{{Alias: "aws-endpoint-5000", Upstream: "127.0.0.1", Port: 5000}}, path: true},
		{name: "LocalStack by host name, one service elsewhere", environ: []string{
			"AWS_ENDPOINT_URL=http://localhost.localstack.cloud:4566", "AWS_ENDPOINT_URL_ECS=http://localhost:4567/", "AWS_ENDPOINT_URL_S3="},
			env:      "AWS_ENDPOINT_URL=http://localhost.localstack.cloud:4566 AWS_ENDPOINT_URL_ECS=http://aws-endpoint-4567:4567/ AWS_S3_USE_PATH_STYLE=true",
			bindings: []HostBinding{{Alias: "aws-endpoint-4567", Upstream: "localhost", Port: 4567}}, path: true},
		{name: "S3 only, default port", environ: []string{"AWS_ENDPOINT_URL_S3=http://[::1]"},
			env:      "AWS_ENDPOINT_URL_S3=http://aws-endpoint-80:80 AWS_S3_USE_PATH_STYLE=true",
			bindings: []HostBinding{{Alias: "aws-endpoint-80", Upstream: "::1", Port: 80}}, path: true},
		{name: "one port, two services", environ: []string{"AWS_ENDPOINT_URL_STS=http://localhost:5000", "AWS_ENDPOINT_URL_IAM=http://localhost:5000"},
			env:      "AWS_ENDPOINT_URL_IAM=http://aws-endpoint-5000:5000 AWS_ENDPOINT_URL_STS=http://aws-endpoint-5000:5000",
			bindings: []HostBinding{{Alias: "aws-endpoint-5000", Upstream: "localhost", Port: 5000}}},
		{name: "not a URL", environ: []string{"AWS_ENDPOINT_URL=127.0.0.1:5000"}, err: `AWS_ENDPOINT_URL="127.0.0.1:5000" is not an endpoint URL`},
	}
	for _, tt := range tests {
		plan, err := PlanEndpoints(tt.environ)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var env []string
		for _, v := range plan.Env {
			env = append(env, fmt.Sprintf("%s=%s", v[0], v[1]))
		}
		if got := strings.Join(env, " "); got != tt.env {
			t.Errorf("%s: env =\n%s\nwant\n%s", tt.name, got, tt.env)
		}
		if !slices.Equal(plan.Bindings, tt.bindings) || plan.PathStyle != tt.path {
			t.Errorf("%s: bindings %v, path style %v; want %v, %v", tt.name, plan.Bindings, plan.PathStyle, tt.bindings, tt.path)
		}
	}
}
