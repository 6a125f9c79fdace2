package main

import (
	"bufio"
	"bytes"
	"strings"
)

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
