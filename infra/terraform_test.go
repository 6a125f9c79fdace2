package infra_test

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

// terraformEnv is the environment for terraform commands in tests: no
// credentials that could reach a real account, no metadata service, and
// working data kept out of the source tree.
func terraformEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "TF_VAR_") || name == "TF_DATA_DIR" || name == "TF_CLI_ARGS" || strings.HasPrefix(name, "TF_CLI_ARGS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=mock",
		"AWS_SECRET_ACCESS_KEY=mock",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-east-1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_DATA_DIR="+filepath.Join(t.TempDir(), ".terraform"),
	)
}

// downloadFailure recognises terraform init failing to reach the provider
// registry, as opposed to failing on the configuration.
var downloadFailure = regexp.MustCompile(`(?i)could not connect to|failed to request discovery document|no such host|dial tcp|i/o timeout|connection refused|TLS handshake timeout`)

// TestTerraform runs terraform init (without a backend), validate and the
// mocked plan tests of each stack in a copy of it.
//
// The hashicorp/aws provider comes from the registry, or, where
// TF_PROVIDER_MIRROR names a filesystem mirror (a machine without the
// registry, such as CI here), from that mirror, with the copy's version
// constraint moved to the version the mirror holds: a schema check against
// a nearby release beats none, and the log says which release it was. With
// neither, it skips.
func TestTerraform(t *testing.T) {
	terraform := tooltest.Path(t, "terraform")
	mirror := localProvider(t, os.Getenv("TF_PROVIDER_MIRROR"))
	for name, dir := range stackDirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			work := copyStack(t, dir)
			env := terraformEnv(t)
			if mirror.version != "" {
				env = append(env, "TF_CLI_CONFIG_FILE="+mirror.cliConfig(t))
				pinProvider(t, work, mirror.version)
				t.Logf("validating against hashicorp/aws %s from the mirror %s (the stacks pin %s)", mirror.version, mirror.dir, pinnedAWS)
			}
			run := func(args ...string) (string, error) {
				cmd := exec.CommandContext(t.Context(), terraform, args...)
				cmd.Dir = work
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("init", "-backend=false", "-input=false", "-no-color"); err != nil {
				if downloadFailure.MatchString(out) {
					t.Skipf("terraform test needs the hashicorp/aws provider; init could not download it (set TF_PROVIDER_MIRROR to a filesystem mirror to use one): %v\n%s", err, out)
				}
				t.Fatalf("terraform init -backend=false: %v\n%s", err, out)
			}
			if out, err := run("validate", "-no-color"); err != nil {
				t.Fatalf("terraform validate: %v\n%s", err, out)
			}
			if _, err := os.Stat(filepath.Join(work, "tests")); err != nil {
				return
			}
			allowTestCleanup(t, work)
			if out, err := run("test", "-no-color"); err != nil {
				t.Fatalf("terraform test: %v\n%s", err, out)
			} else {
				t.Logf("%s", out)
			}
		})
	}
}

// pinnedAWS is the constraint every stack puts on hashicorp/aws.
const pinnedAWS = `"~> 6.0"`

// providerMirror is a Terraform filesystem mirror holding hashicorp/aws.
type providerMirror struct {
	dir     string
	version string // empty when there is no usable mirror
}

// localProvider finds the newest hashicorp/aws release in the filesystem
// mirror dir, laid out as Terraform expects
// (registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/). An unset dir
// means no mirror; a set one that holds no provider is a mistake worth
// failing on.
func localProvider(t *testing.T, dir string) providerMirror {
	t.Helper()
	if dir == "" {
		return providerMirror{}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("TF_PROVIDER_MIRROR=%s holds no hashicorp/aws provider: %v", dir, err)
	}
	versions := make([]string, 0, len(entries))
	for _, e := range entries {
		versions = append(versions, e.Name())
	}
	slices.SortFunc(versions, compareVersions)
	return providerMirror{dir: dir, version: versions[len(versions)-1]}
}

// cliConfig writes a Terraform CLI configuration that installs
// hashicorp/aws from the mirror and nothing from the network.
func (m providerMirror) cliConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mirror.tfrc")
	config := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }\n}\n", m.dir)
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pinProvider rewrites the copied stack's hashicorp/aws constraint to
// exactly version.
func pinProvider(t *testing.T, work, version string) {
	t.Helper()
	pin := func(path string) bool {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte(pinnedAWS)) {
			return false
		}
		src = bytes.ReplaceAll(src, []byte(pinnedAWS), []byte(strconv.Quote("= "+version)))
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
	if path := filepath.Join(work, "terraform.tf"); !pin(path) {
		t.Fatalf("%s no longer pins hashicorp/aws to %s: update pinnedAWS", path, pinnedAWS)
	}
	// The modules the stack calls, copied beside it by copyStack.
	modules, err := filepath.Glob(filepath.Join(work, "..", "modules", "*", "terraform.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range modules {
		pin(path)
	}
}

// compareVersions orders dotted numeric versions such as 5.100.0 and 5.99.1.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// copyStack copies a stack's .tf files and tests/ into a temporary
// directory, so that init writes its lock file and state there and never
// next to the sources (and never near a stack's local state).
func copyStack(t *testing.T, dir string) string {
	t.Helper()
	// The copy keeps the stack's place beside modules/, which bootstrap
	// calls as ../modules/network.
	root := t.TempDir()
	work := filepath.Join(root, dir)
	if err := os.CopyFS(filepath.Join(root, "modules"), os.DirFS("modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	sources, err := readSources(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range sources {
		if err := os.WriteFile(filepath.Join(work, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := filepath.Join(dir, "tests")
	err = filepath.WalkDir(tests, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tftest.hcl") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(work, "tests"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(work, "tests", filepath.Base(path)), src, 0o644)
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return work
}

// allowTestCleanup turns prevent_destroy off in the copied stack. terraform
// test destroys what its apply runs created (against the mock provider, so
// nothing real) and fails on a resource that must never be destroyed; the
// state bucket's protections are such resources (TestEmulator proves destroy
// refuses them), and validate has already checked the real files.
func allowTestCleanup(t *testing.T, work string) {
	t.Helper()
	sources, err := readSources(work)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range sources {
		if !bytes.Contains(src, []byte("prevent_destroy = true")) {
			continue
		}
		src = bytes.ReplaceAll(src, []byte("prevent_destroy = true"), []byte("prevent_destroy = false"))
		if err := os.WriteFile(filepath.Join(work, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: prevent_destroy turned off in the test copy, so that terraform test can clean up after its mocked apply runs", name)
	}
}
