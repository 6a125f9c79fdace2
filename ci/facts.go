package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// moduleRoot is the directory holding go.mod, found from the working
// directory upwards, so `go run ./ci` and `go test ./ci` see the same tree.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod here or above: run go run ./ci from the repository")
		}
		dir = parent
	}
}

// gatherFacts reads the defaults the checkout provides. Each is optional
// here; the modes that need one say so when it is missing.
func gatherFacts(ctx context.Context, root string) hostFacts {
	facts := hostFacts{
		repository: repositoryFromRemote(git(ctx, root, "remote", "get-url", "origin")),
		commit:     git(ctx, root, "rev-parse", "HEAD"),
		version:    git(ctx, root, "describe", "--tags", "--always", "--dirty"),
		buildTime:  git(ctx, root, "show", "-s", "--format=%cI", "HEAD"),
	}
	if dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile")); err == nil {
		facts.dockerfileArgs = dockerfileArgs(dockerfile)
	}
	return facts
}

// git returns the trimmed output of a git command, or "" when git, the
// repository or the answer is missing.
func git(ctx context.Context, dir string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
