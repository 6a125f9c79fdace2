package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"

	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/tooltest"
)

// TestRehearseOnEngine is issue 19's first acceptance criterion: `go run
// ./ci rehearse` end to end on the real engine, with nothing of AWS and no
// registry but the ones it starts. Here, where only the engine's own
// registry is reachable, the two images it starts are stand-ins given
// through the same flags a user with a mirror uses (rehearsalStandIns).
func TestRehearseOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: runs the whole rehearsal on the engine")
	}
	images := requireEngine(t)
	mirror, version := awsProviderMirror(t)
	standIns := rehearsalStandIns(t)
	dir := repoCopy(t)
	pinStacksToMirror(t, dir, version)
	env := append(withoutRehearsalSettings(withoutProxies(os.Environ())), "TF_PROVIDER_MIRROR="+mirror, "CI=true")

	started := time.Now()
	out, code := runEngineChild(t, dir, env, append(append([]string{"rehearse"}, images...), standIns...)...)
	t.Logf("rehearse took %s", time.Since(started).Round(time.Second))
	if code != 0 {
		t.Fatalf("rehearse exited %d", code)
	}

	digest := regexp.MustCompile(`^127\.0\.0\.1:[0-9]+/goship-dev@sha256:[0-9a-f]{64}$`)
	first, second := phaseRow(t, out, report.PhaseDeploy), phaseRow(t, out, report.PhaseRedeploy)
	imageA, imageB := rowDetail(first), rowDetail(second)
	if !digest.MatchString(imageA) || !digest.MatchString(imageB) || imageA == imageB {
		t.Fatalf("the deploys ran %q and %q: want two digests in the rehearsal's registry", imageA, imageB)
	}
	for _, image := range []string{imageA, imageB} {
		if !strings.Contains(out, "✓ smoke-test "+image+", run as a service") {
			t.Errorf("no passed smoke test of the deployed digest %s", image)
		}
	}
	deploySection := section(out, report.PhaseDeploy)
	verified, applied := strings.Index(deploySection, "✓ verify the image's signature"), strings.Index(deploySection, "▶ apply the service stack")
	if verified < 0 || applied < 0 || verified > applied {
		t.Errorf("the signature was not verified before the service stack was applied (at %d and %d)", verified, applied)
	}
	if !strings.Contains(deploySection, "✓ wait for the ECS service to become stable") {
		t.Error("the first deploy did not wait for ECS")
	}
	if s := section(out, report.PhaseStatus); !strings.Contains(s, report.Digest(imageB)) {
		t.Errorf("status does not show the running digest %s:\n%s", imageB, s)
	}
	if s := section(out, report.PhaseHistory); !strings.Contains(s, report.Digest(imageA)[:19]) || !strings.Contains(s, report.Digest(imageB)[:19]) {
		t.Errorf("history does not list both deploys (%s, %s):\n%s", imageA, imageB, s)
	}
	if got := rowDetail(phaseRow(t, out, report.PhaseRollback)); got != imageA {
		t.Errorf("rollback deployed %q, want the first deploy's %s", got, imageA)
	}
	if s := section(out, report.PhaseDestroy); !strings.Contains(s, "✓ destroy the service stack") || !strings.Contains(s, "✓ destroy the registry stack") {
		t.Errorf("destroy did not destroy both stacks:\n%s", s)
	}
	for _, name := range []string{report.PhaseStart, report.PhaseBootstrap, report.PhaseDeploy, report.PhaseRedeploy, report.PhaseStatus, report.PhaseHistory, report.PhaseRollback, report.PhaseDestroy} {
		row := phaseRow(t, out, name)
		if !regexp.MustCompile(`\s[0-9hms]+s\s+ok`).MatchString(row) {
			t.Errorf("phase row %q: want its time and ok", row)
		}
	}
	if !strings.Contains(out, "rehearsal passed") {
		t.Error("the summary does not say the rehearsal passed")
	}
}

// phaseRow is the summary table's row of the named phase.
func phaseRow(t *testing.T, out, name string) string {
	t.Helper()
	row := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `  +\S.*$`).FindString(out)
	if row == "" {
		t.Fatalf("the summary has no row for %q:\n%s", name, lastLines(out, 20))
	}
	return row
}

// rowDetail is the last column of a summary row.
func rowDetail(row string) string {
	fields := strings.Fields(row)
	return fields[len(fields)-1]
}

// section is what the named phase printed, up to the next phase.
func section(out, name string) string {
	_, rest, ok := strings.Cut(out, "== rehearsal: "+name+"\n")
	if !ok {
		return ""
	}
	if end := strings.Index(rest, "\n== rehearsal: "); end >= 0 {
		return rest[:end]
	}
	return rest
}

// withoutRehearsalSettings drops what rehearse refuses or must not need:
// every AWS setting (a rehearsal reaches no account) and the options it
// makes itself.
func withoutRehearsalSettings(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"):
		case name == "TF_STATE_BUCKET", name == "IMAGE_REPOSITORY", name == "SIGNING_KEY", name == "VERIFY_KEY", name == "DEPLOY_IMAGE":
		default:
			out = append(out, kv)
		}
	}
	return out
}

// rehearsalStandIns builds the stand-ins of rehearse's two images from
// what this machine has, pushes them to the engine's registry, and returns
// the flags that give them to rehearse:
//   - the emulator: the Go stand-in image (Debian, glibc) with this
//     machine's Python installation that has moto, and the shared
//     libraries it links beyond glibc; rehearse mounts server.py into it
//     and runs python3 from PATH, as in moto's own image;
//   - the registry: the same base with the engine's distribution binary,
//     serving on port 5000 by its entrypoint, as the registry image does.
func rehearsalStandIns(t *testing.T) []string {
	t.Helper()
	ctx := t.Context()
	prefixes := pythonWithMotoPrefixes(t)
	goImage, engineHome := os.Getenv("GO_IMAGE"), os.Getenv("ENGINE_HOME")
	registryHost, _, _ := strings.Cut(goImage, "/")
	registryBinary := filepath.Join(engineHome, "bin", "registry")
	if _, err := os.Stat(registryBinary); err != nil {
		t.Fatalf("the engine's registry binary: %v (source the engine's env.sh, which sets ENGINE_HOME)", err)
	}
	var progress bytes.Buffer
	dag, err := dagger.Connect(ctx, dagger.WithLogOutput(&progress))
	if err != nil {
		t.Fatalf("connecting to the engine: %v", err)
	}
	defer func() { _ = dag.Close() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine progress of the stand-in builds:\n%s", lastLines(progress.String(), 60))
		}
	})

	var path []string
	for _, prefix := range prefixes {
		path = append(path, prefix+"/bin")
	}
	emulator := dag.Container().From(goImage).
		// One archive, unpacked in the container: the installation's tens
		// of thousands of files, synced one by one, exhaust the engine's
		// open files. __pycache__ comes too: without it moto's first start
		// compiles every module it imports, minutes on a loaded machine.
		WithMountedFile("/tmp/python.tar", dag.Host().File(pythonArchive(t, prefixes))).
		WithExec([]string{"tar", "-xf", "/tmp/python.tar", "-C", "/"}).
		WithDirectory("/opt/goship-python-libs", dag.Host().Directory(pythonLibraries(t, prefixes))).
		WithEnvVariable("LD_LIBRARY_PATH", "/opt/goship-python-libs").
		WithEnvVariable("PATH", strings.Join(append(path, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), ":"))
	registry := dag.Container().From(goImage).
		WithFile("/bin/registry", dag.Host().File(registryBinary)).
		WithNewFile("/etc/docker/registry/config.yml", "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /tmp/registry\nhttp:\n  addr: :5000\n").
		WithEntrypoint([]string{"/bin/registry"}).
		WithDefaultArgs([]string{"serve", "/etc/docker/registry/config.yml"}).
		WithExposedPort(registryPort)

	publish := func(c *dagger.Container, name string) string {
		started := time.Now()
		ref, err := c.Publish(ctx, fmt.Sprintf("%s/goship-rehearsal-%s:stand-in", registryHost, name))
		if err != nil {
			t.Fatalf("publishing the %s stand-in: %v", name, err)
		}
		t.Logf("%s stand-in %s (%s)", name, ref, time.Since(started).Round(time.Second))
		return ref
	}
	return []string{"--emulator-image", publish(emulator, "emulator"), "--registry-image", publish(registry, "registry")}
}

// pythonWithMotoPrefixes are the installation folders of the python3 on
// PATH that can import moto's server: one, or a virtual environment and
// its base. It skips or fails as internal/moto does without moto.
func pythonWithMotoPrefixes(t *testing.T) []string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "python3", "-c", "import moto, werkzeug, sys; print(sys.prefix); print(sys.base_prefix)").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("python3 cannot import moto's server (pip install 'moto[server]==5.2.1'): %v\n%s", err, out)
		if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "moto") || tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "engine") {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	var prefixes []string
	for _, p := range strings.Fields(string(out)) {
		if len(prefixes) == 0 || prefixes[0] != p {
			prefixes = append(prefixes, p)
		}
	}
	return prefixes
}

// pythonArchive is a tar of the Python installation folders, with their
// absolute paths, as the stand-in unpacks them at /.
func pythonArchive(t *testing.T, prefixes []string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "python.tar")
	args := []string{"-C", "/", "-cf", archive}
	for _, p := range prefixes {
		args = append(args, strings.TrimPrefix(p, "/"))
	}
	if out, err := exec.CommandContext(t.Context(), "tar", args...).CombinedOutput(); err != nil {
		t.Fatalf("archiving %v: %v\n%s", prefixes, err, out)
	}
	return archive
}

// pythonLibraries copies into a folder the shared libraries that the
// Python installation and its extension modules link, other than glibc's
// own, which the stand-in's Debian has; this machine is Debian too.
func pythonLibraries(t *testing.T, prefixes []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	args := append([]string{"-c", `find "$@" \( -name '*.so' -o -name '*.so.*' -o -path '*/bin/python3*' \) -type f -print0 | xargs -0 ldd 2>/dev/null`, "sh"}, prefixes...)
	out, _ := exec.CommandContext(ctx, "sh", args...).Output() // ldd fails on the files that are not dynamic; the rest is what counts
	glibc := regexp.MustCompile(`^(ld-linux.*|libc|libm|libpthread|libdl|librt|libresolv|libutil|libcrypt)\.so`)
	dir := t.TempDir()
	for _, line := range strings.Split(string(out), "\n") {
		_, target, ok := strings.Cut(line, "=> ")
		if !ok {
			continue
		}
		lib := strings.Fields(target)[0]
		name := filepath.Base(lib)
		if !filepath.IsAbs(lib) || glibc.MatchString(name) || underAny(lib, prefixes) {
			continue
		}
		data, err := os.ReadFile(lib)
		if err != nil {
			t.Fatalf("reading %s: %v", lib, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func underAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}
