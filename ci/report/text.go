package report

import "strings"

// LastLines keeps the end of a long output, where tools such as Terraform
// put their error.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LastLine is the last line of a command's output, where tools put the
// reason they failed, cut to one short line.
func LastLine(s string) string {
	return FirstLine(LastLines(strings.TrimSpace(s), 1))
}

// FirstLine is the start of a long message, short enough for one line.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if line, _, ok := strings.Cut(s, "\n"); ok {
		s = line
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
