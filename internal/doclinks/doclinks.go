// Package doclinks checks that every relative link in the repository's
// Markdown resolves: the file or folder it names exists, and the #anchor it
// names is a heading of that page, by GitHub's rules for heading anchors.
//
// The documentation is split over README.md and docs/; a section that moves
// from one page to another breaks every link to it without a word from
// GitHub. A test over the repository (doclinks_test.go) makes it say so.
package doclinks

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Problem is one link that does not resolve.
type Problem struct {
	Page   string // the page the link is on, slash-separated from the root
	Line   int
	Target string // the link's target as written
	Reason string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: (%s): %s", p.Page, p.Line, p.Target, p.Reason)
}

// Pages lists the Markdown a reader browses: README.md and every .md file
// under docs/, in lexical order.
func Pages(fsys fs.FS) ([]string, error) {
	pages := []string{"README.md"}
	err := fs.WalkDir(fsys, "docs", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			pages = append(pages, name)
		}
		return nil
	})
	return pages, err
}

// Check reports every link on pages that does not resolve in fsys. Links
// with a scheme (https:, mailto:) are not followed: the check is offline.
// Links in code blocks and code spans are text, not links, and headings in
// code blocks are not anchors.
func Check(fsys fs.FS, pages []string) ([]Problem, error) {
	anchors := map[string]map[string]bool{} // by page, read once
	anchorsOf := func(page string) (map[string]bool, error) {
		if a, ok := anchors[page]; ok {
			return a, nil
		}
		text, err := fs.ReadFile(fsys, page)
		if err != nil {
			return nil, err
		}
		anchors[page] = Anchors(string(text))
		return anchors[page], nil
	}
	var problems []Problem
	for _, page := range pages {
		text, err := fs.ReadFile(fsys, page)
		if err != nil {
			return nil, err
		}
		for _, l := range Links(string(text)) {
			reason, err := resolve(fsys, page, l.Target, anchorsOf)
			if err != nil {
				return nil, err
			}
			if reason != "" {
				problems = append(problems, Problem{Page: page, Line: l.Line, Target: l.Target, Reason: reason})
			}
		}
	}
	return problems, nil
}

// resolve says why target, linked from page, does not resolve, or "" when
// it does.
func resolve(fsys fs.FS, page, target string, anchorsOf func(string) (map[string]bool, error)) (string, error) {
	if hasScheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return "", nil
	}
	file, fragment, _ := strings.Cut(target, "#")
	file, err := url.PathUnescape(file)
	if err != nil {
		return "not a valid path: " + err.Error(), nil //nolint:nilerr // a link that does not resolve is a finding, not a failure of the check
	}
	name := page
	if file != "" {
		if strings.HasPrefix(file, "/") {
			// GitHub reads /x as the repository's root only in some
			// views; a relative link works in all of them.
			return "absolute path: write it relative to " + page, nil
		}
		name = path.Join(path.Dir(page), file)
		if name == ".." || strings.HasPrefix(name, "../") {
			return "leaves the repository", nil
		}
		info, err := fs.Stat(fsys, name)
		if err != nil {
			return "no file or folder " + name, nil //nolint:nilerr // a link that does not resolve is a finding, not a failure of the check
		}
		if info.IsDir() {
			if fragment != "" {
				return "an anchor on a folder, " + name, nil
			}
			return "", nil
		}
	}
	if fragment == "" || !strings.HasSuffix(name, ".md") {
		// Anchors of other files (#L10 of source) are GitHub's to make.
		return "", nil
	}
	anchors, err := anchorsOf(name)
	if err != nil {
		return "", err
	}
	if !anchors[fragment] {
		return "no heading #" + fragment + " in " + name, nil
	}
	return "", nil
}

// Link is a link's target and the line it starts on.
type Link struct {
	Target string
	Line   int
}

var (
	hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	// [text](target) or ![alt](target), with an optional title; the text
	// may run over lines, as wrapped prose does.
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// [label]: target, a reference definition.
	referenceDefinition = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?`)
	atxHeading          = regexp.MustCompile(`^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	htmlAnchor          = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	linkInHeading       = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// Links returns the links of a Markdown text, outside code.
func Links(text string) []Link {
	prose := blankCodeSpans(blankCodeBlocks(text))
	var links []Link
	for _, re := range []*regexp.Regexp{inlineLink, referenceDefinition} {
		for _, m := range re.FindAllStringSubmatchIndex(prose, -1) {
			if m[2] == m[3] {
				continue // [text]() links nowhere, and nothing can break
			}
			links = append(links, Link{Target: prose[m[2]:m[3]], Line: 1 + strings.Count(prose[:m[0]], "\n")})
		}
	}
	slices.SortStableFunc(links, func(a, b Link) int { return a.Line - b.Line })
	return links
}

// Anchors returns the anchors a Markdown page has on GitHub: one per
// heading outside code blocks, a repeated heading getting -1, -2, ... as
// GitHub numbers them, and the id or name of any <a> element.
func Anchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, line := range strings.Split(blankCodeBlocks(text), "\n") {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
		m := atxHeading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := Slug(m[1])
		if n := seen[slug]; n > 0 {
			anchors[slug+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

// Slug is the anchor GitHub gives a heading: the text as rendered
// (code spans and link texts without their markup), lower-cased, with
// every character that is not a letter, a digit, '_', '-' or a space
// dropped, and each space turned into '-'.
func Slug(heading string) string {
	text := linkInHeading.ReplaceAllString(heading, "$1")
	text = strings.NewReplacer("`", "", "*", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blankCodeBlocks replaces the lines of fenced code blocks (``` or ~~~,
// also indented inside list items) with empty lines, keeping line numbers.
func blankCodeBlocks(text string) string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			lines[i] = ""
		case fence != "":
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" ") == "" {
				fence = ""
			}
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// blankCodeSpans replaces each code span, backticks included, with spaces,
// keeping newlines: `[a](b)` is text, not a link. A run of backticks
// opens a span closed by the next run of the same length in the same
// paragraph; with no such run it is literal.
func blankCodeSpans(text string) string {
	b := []byte(text)
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := runLength(b, i)
		end := -1
		for j := i + n; j < len(b); {
			if b[j] == '\n' && j+1 < len(b) && b[j+1] == '\n' {
				break // a span ends with its paragraph
			}
			if b[j] != '`' {
				j++
				continue
			}
			m := runLength(b, j)
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			i += n
			continue
		}
		for k := i; k < end; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		i = end
	}
	return string(b)
}

func runLength(b []byte, i int) int {
	n := 0
	for i+n < len(b) && b[i+n] == '`' {
		n++
	}
	return n
}
