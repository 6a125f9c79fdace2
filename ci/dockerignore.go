package main

import (
	"bufio"
	"bytes"
	"strings"
)

// buildContextExcludes is the exclude list of the image's build context:
// the .dockerignore's patterns, then the pipeline's own. The engine matches
// an exclude list as docker matches a .dockerignore, and the last pattern
// that matches a path decides, so the pipeline's patterns come last: a
// re-include such as !api can then never bring back state, plans or
// credentials lying in the re-included folder.
func buildContextExcludes(dockerignore []byte) []string {
	return append(dockerignorePatterns(dockerignore), sourceExcludes()...)
}

// dockerignorePatterns reads a .dockerignore file into exclude patterns,
// which the engine matches with the same rules docker does (including !).
func dockerignorePatterns(data []byte) []string {
	var patterns []string
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		patterns = append(patterns, line)
	}
	return patterns
}
