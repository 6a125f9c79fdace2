package doclinks

import (
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestRepositoryLinksResolve: every relative link and anchor of README.md
// and docs/ resolves in this checkout.
func TestRepositoryLinksResolve(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS("../..")
	pages, err := Pages(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pages, "docs/operations.md") || !slices.Contains(pages, "docs/adr/0001-state-bootstrap.md") {
		t.Fatalf("Pages found %v: it must find the docs/ pages and the ADRs", pages)
	}
	problems, err := Check(fsys, pages)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("broken link: %s", p)
	}
}

// TestEveryPageLinksBackToTheReadme: a docs/ page opens with what it is
// for and a way back, so a reader who lands on it from a search is not lost.
// (Decision records are read from the ADR list, not landed on.)
func TestEveryPageLinksBackToTheReadme(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS("../..")
	pages, err := Pages(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pages {
		if page == "README.md" || strings.HasPrefix(page, "docs/adr/") {
			continue
		}
		text, err := os.ReadFile("../../" + page)
		if err != nil {
			t.Fatal(err)
		}
		back := false
		for _, l := range Links(string(text)) {
			back = back || l.Line <= 3 && path.Join(path.Dir(page), l.Target) == "README.md"
		}
		if !back {
			t.Errorf("%s: its first three lines (title, blank, purpose) must link back to the README (../README.md)", page)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		want []string
	}{
		{"testdata/good", nil},
		{"testdata/broken", []string{
			"README.md:3: (docs/missing.md): no file or folder docs/missing.md",
			"README.md:4: (#nowhere): no heading #nowhere in README.md",
			"README.md:5: (docs/page.md#nowhere): no heading #nowhere in docs/page.md",
			"README.md:6: (docs/page.md#not-a-heading): no heading #not-a-heading in docs/page.md",
			"README.md:7: (../../outside.md): leaves the repository",
			"README.md:8: (/docs/page.md): absolute path: write it relative to README.md",
			"README.md:9: (docs/#broken): an anchor on a folder, docs",
			"README.md:10: (#Broken): no heading #Broken in README.md",
			"README.md:12: (docs/missing-reference.md): no file or folder docs/missing-reference.md",
			"docs/page.md:7: (../README.md#moved): no heading #moved in README.md",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			fsys := os.DirFS(tt.dir)
			pages, err := Pages(fsys)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := Check(fsys, pages)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check(%s) =\n%s\nwant\n%s", tt.dir, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSlug(t *testing.T) {
	t.Parallel()
	tests := []struct{ heading, want string }{
		{"Quickstart", "quickstart"},
		{"Try it without an AWS account", "try-it-without-an-aws-account"},
		{"The service (`api/`)", "the-service-api"},
		{"Supply chain: SBOM, signature, verification", "supply-chain-sbom-signature-verification"},
		{"Egress costs (us-east-1, 730 h/month, 2 AZs)", "egress-costs-us-east-1-730-hmonth-2-azs"},
		{"The quickstart's commands", "the-quickstarts-commands"},
		{"Air-gapped, registry mirrors, cold runners", "air-gapped-registry-mirrors-cold-runners"},
		{"`--env` and `TF_STATE_BUCKET`", "--env-and-tf_state_bucket"},
		{"A [linked](https://example.com) word", "a-linked-word"},
		{"**Bold** move", "bold-move"},
		{"Ünïcode stays", "ünïcode-stays"},
	}
	for _, tt := range tests {
		if got := Slug(tt.heading); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

func TestAnchorsNumberRepeatedHeadings(t *testing.T) {
	t.Parallel()
	got := Anchors("# Setup\n## Setup\n### Setup #\n```\n# Setup\n```\n")
	want := map[string]bool{"setup": true, "setup-1": true, "setup-2": true}
	if len(got) != len(want) {
		t.Fatalf("Anchors = %v, want %v", got, want)
	}
	for a := range want {
		if !got[a] {
			t.Errorf("Anchors = %v, want %q among them", got, a)
		}
	}
}
