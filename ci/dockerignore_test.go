package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
)

// engineUpload lists the files of root that the engine uploads for
// Host().Directory(root, {Exclude: excludes}). It applies the rule of the
// engine's filter (dagger's internal/fsutil filter.go, Walk): each path is
// matched with moby/patternmatcher's MatchesUsingParentResults, carrying
// the result of its parent directory, and a path that matches is left out.
func engineUpload(t *testing.T, root string, excludes []string) []string {
	t.Helper()
	matcher, err := patternmatcher.New(excludes)
	if err != nil {
		t.Fatalf("patterns %q: %v", excludes, err)
	}
	parents := map[string]patternmatcher.MatchInfo{}
	var uploaded []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		excluded, info, err := matcher.MatchesUsingParentResults(rel, parents[filepath.Dir(rel)])
		if err != nil {
			return err
		}
		if d.IsDir() {
			parents[rel] = info
		} else if !excluded {
			uploaded = append(uploaded, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(uploaded)
	return uploaded
}

// TestBuildContextKeepsSecretsOut builds a checkout with state, plans,
// Terraform working files, dotenv files and keys inside api/, the folder
// the .dockerignore re-includes, and proves none of them reaches the
// build context under the repository's own .dockerignore.
func TestBuildContextKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	dockerignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	wanted := []string{"api/handlers.go", "api/main.go", "api/static/site.css", "go.mod", "go.sum"}
	secret := []string{
		"api/.env", "api/.env.production", "api/static/.env",
		"api/prod.tfstate", "api/prod.tfstate.backup", "api/tfplan", "api/dev.tfplan",
		"api/.terraform/terraform.tfstate", "api/.terraform/providers/aws/provider",
		"api/server.pem", "api/tls/private.key",
	}
	other := []string{
		".env", ".git/config", "README.md", "infra/main.tf", "infra/terraform.tfstate",
		"api/main_test.go", "api/testdata/request.json", "api/bench/run.sh",
	}
	for _, rel := range slices.Concat(wanted, secret, other) {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(rel), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	got := engineUpload(t, root, buildContextExcludes(dockerignore))
	if !slices.Equal(got, wanted) {
		t.Errorf("build context = %q, want exactly %q", got, wanted)
	}
	for _, rel := range secret {
		if slices.Contains(got, rel) {
			t.Errorf("%s reaches the build context", rel)
		}
	}

	// The order is the protection: with the pipeline's patterns first (as
	// before), the .dockerignore's !api brings the secrets back. Should
	// this stop leaking, the test above no longer proves anything.
	leaked := engineUpload(t, root, append(sourceExcludes(), dockerignorePatterns(dockerignore)...))
	if !slices.Contains(leaked, "api/.terraform/terraform.tfstate") || !slices.Contains(leaked, "api/prod.tfstate") {
		t.Errorf("with the .dockerignore last, the upload is %q; want it to show the leak this order prevents", leaked)
	}
}

func TestSourceExcludesCoverCredentials(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, rel := range []string{"ci/main.go", ".env", "ci/.env.local", "infra/.terraform/x", "key.pem", "infra/prod.tfstate"} {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := engineUpload(t, root, sourceExcludes()); strings.Join(got, " ") != "ci/main.go" {
		t.Errorf("source upload = %q, want only ci/main.go", got)
	}
}

func TestDockerignorePatterns(t *testing.T) {
	t.Parallel()
	got := dockerignorePatterns([]byte("# build context\n\n*\n!api/\n  !go.mod  \n!go.sum\n"))
	want := []string{"*", "!api/", "!go.mod", "!go.sum"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("dockerignorePatterns = %q, want %q", got, want)
	}
}
