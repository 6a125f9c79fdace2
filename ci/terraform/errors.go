package terraform

import (
	"regexp"
	"strings"
)

// ansiEscape matches the colour codes Terraform writes without -no-color,
// so output from a run that forgot the flag still reads cleanly.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// ErrorBlocks returns every `Error:` block Terraform printed, each from its
// headline to the next diagnostic, without colour codes or the box drawing
// Terraform uses on a terminal. Terraform prints one block per error, and
// a run can report several: showing only the end of the output loses the
// first ones, and cuts the headline off a long one such as the lock error.
func ErrorBlocks(output string) []string {
	var blocks []string
	var current []string
	inError := false
	flush := func() {
		if inError {
			blocks = append(blocks, strings.TrimRight(strings.Join(current, "\n"), "\n "))
		}
		current, inError = nil, false
	}
	for line := range strings.SplitSeq(ansiEscape.ReplaceAllString(output, ""), "\n") {
		line = strings.TrimRight(line, "\r")
		boxed := false
		switch {
		case strings.HasPrefix(line, "╷"):
			flush()
			continue
		case strings.HasPrefix(line, "╵"):
			flush()
			continue
		case strings.HasPrefix(line, "│"):
			line = strings.TrimPrefix(strings.TrimPrefix(line, "│"), " ")
			boxed = true
		}
		switch {
		case strings.HasPrefix(line, "Error: "):
			flush()
			inError = true
		case strings.HasPrefix(line, "Warning: "):
			flush()
		case !boxed && inError && isTerraformProgress(line):
			// A line such as "Releasing state lock" after the last block.
			flush()
			continue
		}
		if inError {
			current = append(current, line)
		}
	}
	flush()
	return blocks
}

// isTerraformProgress reports whether a line is Terraform's own progress
// chatter rather than part of a diagnostic, which is indented or blank.
func isTerraformProgress(line string) bool {
	for _, prefix := range []string{"Releasing state lock", "Acquiring state lock", "Terraform has been", "Initializing "} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}
