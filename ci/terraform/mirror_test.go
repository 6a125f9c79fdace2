package terraform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckProviderMirrorAcceptsAMirror(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckProviderMirror(dir); err != nil {
		t.Fatalf("CheckProviderMirror(a mirror) = %v, want nil", err)
	}
}

func TestCheckProviderMirrorRejectsWhatIsNotAMirror(t *testing.T) {
	empty := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ dir, want string }{
		"missing":      {filepath.Join(empty, "nope"), "cannot read it"},
		"a file":       {file, "not a folder"},
		"no registry/": {empty, "no registry.terraform.io/ folder"},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckProviderMirror(tc.dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "terraform providers mirror") {
				t.Fatalf("CheckProviderMirror(%s) = %v, want an error saying %q and how to make a mirror", tc.dir, err, tc.want)
			}
		})
	}
}

func TestProviderMirrorCLIConfigNeverReachesTheRegistry(t *testing.T) {
	got := ProviderMirrorCLIConfig("/m")
	want := "provider_installation {\n  filesystem_mirror {\n    path = \"/m\"\n  }\n}\n"
	if got != want {
		t.Fatalf("ProviderMirrorCLIConfig = %q, want %q", got, want)
	}
	if strings.Contains(got, "direct") || strings.Contains(got, "network_mirror") {
		t.Fatalf("the mirror config must install from the mirror only:\n%s", got)
	}
}

func TestMissingProviderHint(t *testing.T) {
	failed := `Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider hashicorp/aws: no available releases match the given constraints ~> 6.0`
	if got := MissingProviderHint("Error: Unsupported argument", "/m"); got != "" {
		t.Fatalf("hint for another error = %q, want none", got)
	}
	withMirror := MissingProviderHint(failed, "/opt/tf-plugins")
	for _, want := range []string{"/opt/tf-plugins has no release matching", "terraform providers mirror /opt/tf-plugins"} {
		if !strings.Contains(withMirror, want) {
			t.Errorf("hint with a mirror = %q, want it to say %q", withMirror, want)
		}
	}
	if without := MissingProviderHint(failed, ""); !strings.Contains(without, "--terraform-provider-mirror") {
		t.Errorf("hint without a mirror = %q, want it to name --terraform-provider-mirror", without)
	}
}
