package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// goCache is one of the Go caches the Go containers share: the engine's
// cache volume, where it is mounted, and the folder of --cache-dir it is
// seeded from and saved to. An engine's cache volumes outlive a run, but
// a CI runner's engine does not: --cache-dir carries them from one runner
// to the next through a folder that actions/cache restores and saves.
type goCache struct {
	volume string
	mount  string
	folder string // under --cache-dir
}

func goCaches() []goCache {
	return []goCache{
		{volume: goModCache, mount: "/go/pkg/mod", folder: "go-mod"},
		{volume: goBuildCache, mount: "/root/.cache/go-build", folder: "go-build"},
	}
}

// setCacheDir takes --cache-dir, making its folders so that an empty
// directory (a runner's first run) seeds empty volumes instead of failing.
// The path is absolute because the engine reads and writes it on the host.
func setCacheDir(c *config, v string) error {
	abs, err := filepath.Abs(v)
	if err != nil {
		return err
	}
	for _, gc := range goCaches() {
		if err := os.MkdirAll(filepath.Join(abs, gc.folder), 0o755); err != nil {
			return fmt.Errorf("cannot make the cache folder: %w", err)
		}
	}
	c.cacheDir = abs
	return nil
}

// saveCacheArgs copies the mounted caches into the folder that is exported
// back to --cache-dir: a cache volume cannot be exported itself.
func saveCacheArgs(out string) []string {
	script := "set -e; rm -rf " + out
	for _, gc := range goCaches() {
		script += "; mkdir -p " + out + "/" + gc.folder + "; cp -a " + gc.mount + "/. " + out + "/" + gc.folder + "/"
	}
	return []string{"sh", "-c", script}
}
