# syntax=docker/dockerfile:1.7@sha256:a57df69d0ea827fb7266491f2813635de6f17269be881f696fbfdf2d83dda33e
#
# The api service image: a static binary on distroless, running as nonroot.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t api .
#
# Base images are pinned by tag, for people, and by the digest of their
# multi-arch index, so every platform gets exactly the image that was
# scanned. Behind a registry mirror, override them with --build-arg (and the
# frontend above with --build-arg BUILDKIT_SYNTAX=...). To move to a newer
# image, take the top-level "Digest:" from
#   docker buildx imagetools inspect golang:1.26.8-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# and change tag and digest together. The pipeline reads the three defaults
# from these lines: keep each on one line, as ARG NAME=value.
#
# The Go that compiles the api is GO_TOOLCHAIN, the same release as go.mod's
# toolchain line (ci/toolchain_test.go fails when the two differ). No digest
# of a golang image of that release could be found and checked from here,
# so the pinned image above stays, and its go command fetches exactly
# GO_TOOLCHAIN from GOPROXY (the golang.org/toolchain module), verified
# against the Go checksum database (sum.golang.org) before it runs. Once the
# image's own Go is that release, nothing is downloaded.
ARG GO_IMAGE=golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d
ARG GO_TOOLCHAIN=go1.27.4
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

# The build stage runs on the builder's own platform and cross-compiles
# (pure Go, no cgo), so an arm64 image builds at native speed on an amd64
# laptop or runner instead of under emulation.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS TARGETARCH
# GOPROXY also serves the toolchain; empty means the image's default
# (proxy.golang.org).
ARG GOPROXY
ARG GO_TOOLCHAIN
# Exactly this toolchain, whatever go.mod or the image would choose.
ENV CGO_ENABLED=0 GOTOOLCHAIN=${GO_TOOLCHAIN}
WORKDIR /src

COPY go.mod go.sum ./
# Download the modules the api imports, and only those: a bare
# "go mod download" would also fetch the pipeline's and the infrastructure
# tests' modules (some 90 MB) that the image never needs. Listing the api's
# dependencies downloads exactly its modules. The cache mounts keep modules
# and build results from one build to the next.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,source=api,target=api \
    go list -deps ./api > /dev/null

COPY api/ api/
# Empty by default: the binary then reports "dev" and "unknown" (see
# api/buildinfo.go) rather than a made-up value.
ARG VERSION
ARG COMMIT
ARG BUILD_TIME
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildTime=${BUILD_TIME}" \
      -o /out/api ./api

FROM ${RUNTIME_IMAGE}
ARG VERSION
ARG COMMIT
ARG BUILD_TIME
LABEL org.opencontainers.image.title="api" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${BUILD_TIME}"
COPY --from=build /out/api /api
USER nonroot:nonroot
# The public port. Metrics listen on 9090 for a scraper inside the task and
# are deliberately not advertised.
EXPOSE 8080
# No shell or curl in this image: the binary checks itself. Its own request
# timeout (2s) is shorter than --timeout, so a hung server fails the check
# with a message instead of being killed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/api", "healthcheck"]
ENTRYPOINT ["/api"]
