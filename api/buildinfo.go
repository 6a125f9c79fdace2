package main

import (
	"runtime"
	"runtime/debug"
)

// Set at link time by the image build:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$SHA -X main.buildTime=$TIME"
//
// They are the only package-level variables: the linker can set nothing else.
var (
	version   string
	commit    string
	buildTime string
)

// buildInfo says which build is running. The deploy pipeline compares commit
// with the commit it deployed.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"build_time"`
	GoVersion string `json:"go_version"`
}

// readBuildInfo prefers the link-time values and falls back to what the Go
// toolchain stamped into the binary, so that a plain "go build" in a git
// checkout still reports its true commit.
func readBuildInfo() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return resolveBuildInfo(version, commit, buildTime, info)
}

func resolveBuildInfo(linkVersion, linkCommit, linkTime string, info *debug.BuildInfo) buildInfo {
	var stamped struct{ version, revision, time string }
	if info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			stamped.version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				stamped.revision = s.Value
			case "vcs.time":
				stamped.time = s.Value
			}
		}
	}
	return buildInfo{
		Version:   firstNonEmpty(linkVersion, stamped.version, "dev"),
		Commit:    firstNonEmpty(linkCommit, stamped.revision, "unknown"),
		BuildTime: firstNonEmpty(linkTime, stamped.time, "unknown"),
		GoVersion: runtime.Version(),
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
