package terraform

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// BootstrapStateKey is where the bootstrap stack keeps its own state in the
// bucket it creates. It sits outside every "<app>/<environment>/" prefix,
// the only keys the deploy and plan roles may read or write: bootstrap's
// state names every environment's roles and networks, and stays the
// administrator's.
const BootstrapStateKey = "bootstrap/terraform.tfstate"

// LocalBackendOverride is the file, by its name in the stack and its
// content, that keeps a bootstrap run's state local: Terraform merges any
// *_override.tf into the stack, and a backend block there replaces the
// stack's S3 backend. Only the first run needs it, before the bucket exists,
// and the teardown, once the bucket is about to go.
const (
	LocalBackendOverrideName = "backend_override.tf"
	LocalBackendOverride     = "terraform {\n  backend \"local\" {}\n}\n"
)

// BootstrapStart is how a bootstrap run finds its own state.
type BootstrapStart int

const (
	// FirstRun: no state bucket yet, so nowhere to keep the state but a
	// local file. Apply with local state, then move it into the bucket the
	// apply created.
	FirstRun BootstrapStart = iota + 1
	// MoveLocalState: the bucket exists without bootstrap's state, and a
	// local state file holds it (from a run before bootstrap kept its state
	// in the bucket, or one that stopped before moving it). Move it into the
	// bucket first, then plan and apply against the bucket.
	MoveLocalState
	// FromBucket: the bucket holds bootstrap's state; use it, under its lock.
	FromBucket
)

func (s BootstrapStart) String() string {
	switch s {
	case FirstRun:
		return "first run"
	case MoveLocalState:
		return "move the local state into the bucket"
	case FromBucket:
		return "state in the bucket"
	}
	return fmt.Sprintf("BootstrapStart(%d)", int(s))
}

// BootstrapFacts is what a bootstrap run finds before it starts.
type BootstrapFacts struct {
	Bucket       string // the state bucket's name
	Region       string // the bucket's region
	BucketExists bool   // the bucket exists, and these credentials may use it
	InBucket     []byte // the state object at BootstrapStateKey; nil when there is none
	Local        []byte // the local state file; nil when there is none
	LocalPath    string // that file, relative to the repository
}

// BootstrapChoice is what a bootstrap run does with its state.
type BootstrapChoice struct {
	Start BootstrapStart
	// UseLocal: the local state file goes into the run (the first run's
	// local state, or the state to move into the bucket).
	UseLocal bool
	// SetAsideLocal: the local state file is a copy of what the bucket
	// holds, or holds nothing. Nothing reads it any more; it is renamed, not
	// deleted, so that no run ever takes it for the state again.
	SetAsideLocal bool
}

// stateFile is the part of a Terraform state file the choice compares.
type stateFile struct {
	Serial    int64           `json:"serial"`
	Lineage   string          `json:"lineage"`
	Resources []any           `json:"resources"`
	Outputs   map[string]any  `json:"outputs"`
	Version   json.RawMessage `json:"version"`
}

func parseState(data []byte, where string) (stateFile, error) {
	var s stateFile
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%s is not a Terraform state file: %w", where, err)
	}
	if s.Version == nil {
		return s, fmt.Errorf("%s is not a Terraform state file: it has no version", where)
	}
	return s, nil
}

// sameState reports whether two states record the same resources and
// outputs. The serial and lineage cannot tell: moving a state into the S3
// backend starts a new lineage.
func sameState(a, b stateFile) bool {
	if len(a.Resources) == 0 && len(b.Resources) == 0 {
		return len(a.Outputs) == len(b.Outputs)
	}
	return reflect.DeepEqual(a.Resources, b.Resources) && reflect.DeepEqual(a.Outputs, b.Outputs)
}

// ChooseBootstrapStart decides how a bootstrap run finds its state. A local
// state that differs from the bucket's is never dropped: the run stops and
// says how to settle which one is right.
func ChooseBootstrapStart(f BootstrapFacts) (BootstrapChoice, error) {
	var local *stateFile
	if f.Local != nil {
		s, err := parseState(f.Local, f.LocalPath)
		if err != nil {
			return BootstrapChoice{}, fmt.Errorf("%w: move it out of the way if it is not bootstrap's state, then run bootstrap again", err)
		}
		if len(s.Resources) > 0 {
			local = &s
		}
	}
	inBucket := fmt.Sprintf("s3://%s/%s", f.Bucket, BootstrapStateKey)
	switch {
	case !f.BucketExists:
		return BootstrapChoice{Start: FirstRun, UseLocal: local != nil}, nil
	case f.InBucket == nil && local != nil:
		return BootstrapChoice{Start: MoveLocalState, UseLocal: true}, nil
	case f.InBucket == nil:
		return BootstrapChoice{}, fmt.Errorf("the bucket %s exists, but holds no bootstrap state (%s) and there is no %s here. "+
			"If bootstrap ran from another machine before it kept its state in the bucket, run it there once: it moves its state into the bucket. "+
			"If the bucket is not this bootstrap's, name another with --state-bucket (TF_STATE_BUCKET). "+
			"If bootstrap's state is lost, import its resources into a local state (docs/adr/0001), then run bootstrap again: it moves that state into the bucket",
			f.Bucket, inBucket, f.LocalPath)
	}
	remote, err := parseState(f.InBucket, inBucket)
	if err != nil {
		return BootstrapChoice{}, fmt.Errorf("%w: restore a previous version of it (the bucket is versioned), then run bootstrap again", err)
	}
	switch {
	case f.Local == nil:
		return BootstrapChoice{Start: FromBucket}, nil
	case local == nil || sameState(*local, remote):
		return BootstrapChoice{Start: FromBucket, SetAsideLocal: true}, nil
	}
	return BootstrapChoice{}, fmt.Errorf("bootstrap's state is in %s (serial %d, %d resources), and %s holds a different one (serial %d, %d resources): nothing was changed.\n"+
		"Runs use the bucket's. Compare the two, from the repository root:\n"+
		"  terraform -chdir=infra/bootstrap init -input=false -reconfigure -backend-config=bucket=%s -backend-config=key=%s -backend-config=region=%s\n"+
		"  terraform -chdir=infra/bootstrap state pull > bucket.tfstate\n"+
		"  diff <(jq -S .resources bucket.tfstate) <(jq -S .resources %s)\n"+
		"If the bucket's is right (someone bootstrapped since, from another machine), move the local file out of the way:\n"+
		"  mv %s %s.old\n"+
		"If the local one is right, put it in the bucket in place of the other (the bucket keeps the replaced version):\n"+
		"  terraform -chdir=infra/bootstrap state push -force terraform.tfstate\n"+
		"Then run bootstrap again",
		inBucket, remote.Serial, len(remote.Resources), f.LocalPath, local.Serial, len(local.Resources),
		f.Bucket, BootstrapStateKey, f.Region, f.LocalPath, f.LocalPath, f.LocalPath)
}

// SetAsideName is what a local state file that the bucket has replaced is
// renamed to: git ignores it (*.tfstate.*), no upload takes it, and no run
// reads it as the state again.
func SetAsideName(localPath string, now time.Time) string {
	return localPath + ".moved-to-bucket-" + now.UTC().Format("20060102T150405Z")
}
