package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDockerfileArgs(t *testing.T) {
	t.Parallel()
	dockerfile := []byte(`# syntax=docker/dockerfile:1
ARG GO_IMAGE=golang:1.26.3-bookworm@sha256:` + strings.Repeat("a", 64) + `
arg RUNTIME_IMAGE="gcr.io/distroless/static-debian12:nonroot"
ARG VERSION
ARG COMMIT=unknown
FROM ${GO_IMAGE} AS build
RUN echo ARG NOT=this
`)
	got := dockerfileArgs(dockerfile)
	want := map[string]string{
		"GO_IMAGE":      "golang:1.26.3-bookworm@sha256:" + strings.Repeat("a", 64),
		"RUNTIME_IMAGE": "gcr.io/distroless/static-debian12:nonroot",
		"COMMIT":        "unknown",
	}
	if len(got) != len(want) {
		t.Errorf("dockerfileArgs = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("dockerfileArgs[%s] = %q, want %q", k, got[k], v)
		}
	}
}

func TestDigestReference(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev:abc1234-20260102030405@" + digest,
			want: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@" + digest},
		{in: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@" + digest,
			want: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@" + digest},
		{in: "localhost:5000/goship:v1@" + digest, want: "localhost:5000/goship@" + digest},
		{in: "localhost:5000/goship@" + digest, want: "localhost:5000/goship@" + digest},
		{in: "goship:latest", wantErr: "has no sha256 digest"},
		{in: "goship@sha256:abc", wantErr: "has no sha256 digest"},
		{in: "goship@sha512:" + strings.Repeat("a", 128), wantErr: "has no sha256 digest"},
		{in: "@" + digest, wantErr: "has no repository"},
	}
	for _, tt := range tests {
		got, err := digestReference(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("digestReference(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("digestReference(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestPinnedImages checks that every default image is pinned by tag and
// digest: the digest that was scanned is the digest that runs.
func TestPinnedImages(t *testing.T) {
	t.Parallel()
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:[0-9][0-9.]*@sha256:[0-9a-f]{64}$`)
	for _, ref := range []string{defaultTrivyImage, defaultTerraformImage} {
		if !pinned.MatchString(ref) || !isDigestPinned(ref) || !validReference(ref) {
			t.Errorf("%s is not pinned by version tag and digest", ref)
		}
	}
	if isDigestPinned("golang:1.26") || isDigestPinned("golang@sha256:abc") {
		t.Error("isDigestPinned accepts a reference without a full digest")
	}
}

func TestImageTag(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	if got := imageTag("0123456789abcdef0123456789abcdef01234567", at); got != "0123456789ab-20260102020405" {
		t.Errorf("imageTag = %q", got)
	}
	if got := imageTag("abc1234", at); got != "abc1234-20260102020405" {
		t.Errorf("imageTag(short) = %q", got)
	}
}

// TestDestroyPlaceholderImage checks the placeholder against the service
// stack's own validation of var.image and the task definition's
// precondition (startswith(var.image, "${local.repository_url}@")), with
// repository_url built as infra/main.tf builds it.
func TestDestroyPlaceholderImage(t *testing.T) {
	t.Parallel()
	stackRule := regexp.MustCompile(`^[^@]+@sha256:[0-9a-f]{64}$`)
	cn := terraformConfig()
	cn.region = "cn-north-1"
	elsewhere := terraformConfig()
	elsewhere.imageRepository = "registry.internal:5000/goship"
	for _, tt := range []struct {
		cfg           config
		repositoryURL string
	}{
		{terraformConfig(), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev"},
		{cn, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/goship-dev"},
		// The stack's image_repository then moves the precondition there.
		{elsewhere, "registry.internal:5000/goship"},
	} {
		ref := destroyPlaceholderImage(tt.cfg, "123456789012")
		if !stackRule.MatchString(ref) || !validReference(ref) || !strings.HasPrefix(ref, tt.repositoryURL+"@") {
			t.Errorf("placeholder %q is not a digest reference in %s", ref, tt.repositoryURL)
		}
	}
}

func TestBuildArgs(t *testing.T) {
	t.Parallel()
	cfg := config{version: "v1.2.3", commit: "abc1234", goProxy: "https://proxy.example.com", goImage: "golang:1.26", goToolchain: "go1.26.11", runtimeImage: "distroless"}
	var got []string
	for _, a := range buildArgs(cfg) {
		got = append(got, a.Name+"="+a.Value)
	}
	// BUILD_TIME is left out when unknown, so the Dockerfile's default holds.
	want := "VERSION=v1.2.3 COMMIT=abc1234 GOPROXY=https://proxy.example.com GO_IMAGE=golang:1.26 GO_TOOLCHAIN=go1.26.11 RUNTIME_IMAGE=distroless"
	if strings.Join(got, " ") != want {
		t.Errorf("buildArgs = %q, want %q", strings.Join(got, " "), want)
	}
}

// TestTrivyCacheVolumePerDatabase: a run pointed at another vulnerability
// database must not scan with the one an earlier run cached.
func TestTrivyCacheVolumePerDatabase(t *testing.T) {
	t.Parallel()
	def, a, b := trivyCacheVolume(""), trivyCacheVolume("10.87.0.1:5000/trivy-db:2"), trivyCacheVolume("10.87.0.1:5000/trivy-db:blocking")
	if def != trivyCache {
		t.Errorf("Trivy's own database uses %q, want the fixed %q", def, trivyCache)
	}
	if a == b || a == def || b == def {
		t.Errorf("volumes %q, %q, %q: want one per database repository", def, a, b)
	}
	if a != trivyCacheVolume("10.87.0.1:5000/trivy-db:2") {
		t.Error("the same repository must keep its volume across runs")
	}
}
