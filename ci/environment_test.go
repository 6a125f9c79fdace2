package main

import (
	"os"
	"regexp"
	"testing"
)

// TestEnvironmentNamesMatchTheStack holds status, logs and history to the
// names the service stack gives its resources: if the stack's naming rule
// changes, these modes would look for a service that is not there.
func TestEnvironmentNamesMatchTheStack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		pattern string
	}{
		{"../infra/main.tf", `name\s*=\s*"\$\{var\.app_name\}-\$\{var\.environment\}"`},
		{"../infra/ecs.tf", `resource "aws_ecs_cluster" "this" \{\s*name\s*=\s*local\.name`},
		{"../infra/ecs.tf", `resource "aws_ecs_service" "this" \{\s*name\s*=\s*local\.name`},
		{"../infra/logs.tf", `name\s*=\s*"/ecs/\$\{local\.name\}"`},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(tt.pattern).Match(data) {
			t.Errorf("%s no longer matches %s: update serviceName and logGroupName in ci/environment.go", tt.file, tt.pattern)
		}
	}
	cfg := config{app: "goship", environment: "dev"}
	if serviceName(cfg) != "goship-dev" || logGroupName(cfg) != "/ecs/goship-dev" {
		t.Errorf("names = %s, %s", serviceName(cfg), logGroupName(cfg))
	}
}
