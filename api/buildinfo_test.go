package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestResolveBuildInfo(t *testing.T) {
	t.Parallel()
	stamped := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/example/goship", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-03-04T05:06:07Z"},
		},
	}
	tests := []struct {
		name                string
		version, commit, at string
		info                *debug.BuildInfo
		want                buildInfo
	}{
		{
			name: "link-time values win", version: "v1.4.0", commit: "feedface", at: "2026-05-06T07:08:09Z", info: stamped,
			want: buildInfo{Version: "v1.4.0", Commit: "feedface", BuildTime: "2026-05-06T07:08:09Z"},
		},
		{
			name: "go build in a checkout", info: stamped,
			want: buildInfo{Version: "dev", Commit: "0123456789abcdef0123456789abcdef01234567", BuildTime: "2026-03-04T05:06:07Z"},
		},
		{
			name: "go install of a tagged module", info: &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}},
			want: buildInfo{Version: "v1.3.0", Commit: "unknown", BuildTime: "unknown"},
		},
		{
			name: "nothing known",
			want: buildInfo{Version: "dev", Commit: "unknown", BuildTime: "unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.want.GoVersion = runtime.Version()
			if got := resolveBuildInfo(tt.version, tt.commit, tt.at, tt.info); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
