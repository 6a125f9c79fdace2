package main

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The images the pipeline runs, each pinned by tag and digest so that a run
// next year uses the same bits as today. The Go and runtime images are not
// here: the Dockerfile's ARG lines are the one place they are pinned.
//
// To move to a newer release, read the new digest from the registry and
// replace both the tag and the digest:
//
//	docker buildx imagetools inspect aquasec/trivy:<version>
//	docker buildx imagetools inspect hashicorp/terraform:<version>
//	docker buildx imagetools inspect motoserver/moto:<version>
//	docker buildx imagetools inspect registry:<version>
//
// The emulator and the registry are rehearse's only. The emulator runs
// internal/moto/script/server.py, written against moto 5.2.1's internals:
// after moving to another moto release, run TestRehearseOnEngine.
const (
	defaultTrivyImage     = "aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969"
	defaultTerraformImage = "hashicorp/terraform:1.15.8@sha256:7ae513256f7ce67879e218ae8593d6fbe216ec9e123abe6c94e4e10704857963"
	defaultEmulatorImage  = "motoserver/moto:5.2.2@sha256:d8ae5edc2bf080e7e4c13f9bd4b29b53ac3b4427e92956318db3dbe23ec43eb7"
	defaultRegistryImage  = "registry:2.8.3@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373"
)

var (
	digestPattern    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	referencePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._\-/:]*(@sha256:[0-9a-f]{64})?$`)
)

// dockerfileArgs returns the default value of every `ARG NAME=value` line in
// a Dockerfile, so the pipeline runs exactly the base images the Dockerfile
// pins instead of a second copy that would drift.
func dockerfileArgs(dockerfile []byte) map[string]string {
	args := make(map[string]string)
	scanner := bufio.NewScanner(bytes.NewReader(dockerfile))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) != 2 || !strings.EqualFold(fields[0], "ARG") {
			continue
		}
		name, value, ok := strings.Cut(fields[1], "=")
		if !ok {
			continue
		}
		args[name] = strings.Trim(value, `"'`)
	}
	return args
}

// isDigestPinned reports whether ref names its content by sha256 digest.
func isDigestPinned(ref string) bool {
	_, digest, ok := strings.Cut(ref, "@")
	return ok && digestPattern.MatchString(digest)
}

// validReference reports whether ref looks like an image reference:
// lower-case name, optional tag, optional digest.
func validReference(ref string) bool {
	return referencePattern.MatchString(ref)
}

// digestReference turns what Container.Publish returns,
// "repo:tag@sha256:...", into "repo@sha256:...": the form the service stack
// accepts, because a tag can be moved and a digest cannot.
func digestReference(published string) (string, error) {
	name, digest, ok := strings.Cut(published, "@")
	if !ok || !digestPattern.MatchString(digest) {
		return "", fmt.Errorf("published reference %q has no sha256 digest", published)
	}
	// A colon after the last slash starts the tag; one before it belongs to
	// a registry port such as localhost:5000.
	if colon := strings.LastIndex(name, ":"); colon > strings.LastIndex(name, "/") {
		name = name[:colon]
	}
	if name == "" {
		return "", fmt.Errorf("published reference %q has no repository", published)
	}
	return name + "@" + digest, nil
}

// imageTag is the tag an image is pushed under: the short commit for
// people, and the UTC time because ECR tags are immutable, so a rebuild of
// the same commit needs a tag of its own.
func imageTag(commit string, now time.Time) string {
	return shortCommit(commit) + "-" + now.UTC().Format("20060102150405")
}

func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// destroyPlaceholderImage is the image the service stack is given when it
// is destroyed. Terraform needs every variable set even to destroy, and the
// value is never run; but the refresh before a destroy evaluates the task
// definition's precondition that the image comes from the environment's
// own repository, and warns when it does not. So the placeholder is a
// digest of nothing in that repository, or in --image-repository's when
// deploys publish there.
func destroyPlaceholderImage(cfg config, account string) string {
	if cfg.imageRepository != "" {
		return cfg.imageRepository + "@sha256:" + strings.Repeat("0", 64)
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(cfg.region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s-%s@sha256:%s", account, cfg.region, suffix, cfg.app, cfg.environment, strings.Repeat("0", 64))
}
