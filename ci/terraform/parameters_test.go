package terraform

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBootstrapParametersMatchTheStacks holds the names to the Terraform
// that writes them (bootstrap) and reads them (the service stack): a
// renamed parameter fails here, not in doctor's answer to a user.
func TestBootstrapParametersMatchTheStacks(t *testing.T) {
	t.Parallel()
	got := BootstrapParameters("goship", "dev")
	if want := []string{"/goship/dev/network", "/goship/dev/alarm-topic-key"}; !slices.Equal(got, want) {
		t.Errorf("BootstrapParameters = %v, want %v", got, want)
	}
	infra := filepath.Join("..", "..", "infra")
	written := readAll(t, filepath.Join(infra, "modules", "network", "parameter.tf"), filepath.Join(infra, "bootstrap", "alarm_key.tf"))
	read := readAll(t, filepath.Join(infra, "main.tf"), filepath.Join(infra, "notifications.tf"))
	for _, name := range []string{"network", "alarm-topic-key"} {
		if !strings.Contains(written, `"/${var.app_name}/${`) || !strings.Contains(written, "}/"+name+`"`) {
			t.Errorf("bootstrap writes no parameter /<app>/<environment>/%s", name)
		}
		if !strings.Contains(read, `name = "/${var.app_name}/${var.environment}/`+name+`"`) {
			t.Errorf("the service stack reads no parameter /<app>/<environment>/%s", name)
		}
	}
}

func readAll(t *testing.T, paths ...string) string {
	t.Helper()
	var b strings.Builder
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}
