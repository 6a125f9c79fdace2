package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheDirMakesItsFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runner-cache")
	_, cfg, err := parseArgs([]string{"check", "--cache-dir", dir}, envOf(nil), testFacts())
	if err != nil || cfg.cacheDir != dir {
		t.Fatalf("--cache-dir %s: cacheDir %q, error %v", dir, cfg.cacheDir, err)
	}
	for _, gc := range goCaches() {
		if info, err := os.Stat(filepath.Join(dir, gc.folder)); err != nil || !info.IsDir() {
			t.Errorf("%s/%s was not made (%v): an empty volume could not be seeded from it", dir, gc.folder, err)
		}
	}
	_, cfg, err = parseArgs(nil, envOf(nil), testFacts())
	if err != nil || cfg.cacheDir != "" {
		t.Fatalf("no --cache-dir: cacheDir %q, error %v; want none", cfg.cacheDir, err)
	}
}

func TestSaveCacheArgsCopyEveryCache(t *testing.T) {
	args := saveCacheArgs("/out")
	script := args[len(args)-1]
	for _, gc := range goCaches() {
		want := "mkdir -p /out/" + gc.folder + "; cp -a " + gc.mount + "/. /out/" + gc.folder + "/"
		if !strings.Contains(script, want) {
			t.Errorf("save script %q does not copy %s: want %q", script, gc.volume, want)
		}
	}
	if !strings.HasPrefix(script, "set -e; rm -rf /out") {
		t.Errorf("save script %q must stop at the first failure and start from an empty folder", script)
	}
}
