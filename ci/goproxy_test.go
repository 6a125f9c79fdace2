package main

import (
	"strings"
	"testing"
)

func TestGoProxyCredentialsRefused(t *testing.T) {
	t.Parallel()
	const (
		refused   = "credentials in a GOPROXY URL"
		notURL    = "an entry is not a URL"
		noScheme  = "an entry has no https://, http:// or file:// scheme"
		secret    = "s3cr3t-" + canary
		userSlash = "ci-bot:" + secret
	)
	tests := []struct {
		name, value string
		want        string // "" when the value is accepted
		quoted      string // how the error quotes the value back
	}{
		{name: "default", value: "https://proxy.golang.org,direct"},
		{name: "both separators and off", value: "https://goproxy.example.com|https://proxy.golang.org,off"},
		{name: "host without scheme, as the go command takes it", value: "goproxy.corp.example/mod,direct"},
		{name: "file proxy", value: "file:///var/cache/goproxy"},
		{name: "keywords", value: "direct|off"},
		{name: "empty entries are skipped, as by the go command", value: "https://proxy.golang.org,,direct"},
		// url.Parse reads "ci-bot" as a scheme; the go command adds https://
		// and sends ci-bot:s3cr3t to goproxy.corp.example.
		{name: "user and password without scheme", value: userSlash + "@goproxy.corp.example",
			want: refused, quoted: "REDACTED@goproxy.corp.example"},
		{name: "token without scheme", value: secret + "@goproxy.corp.example",
			want: refused, quoted: "REDACTED@goproxy.corp.example"},
		{name: "user and password with scheme", value: "https://" + userSlash + "@goproxy.corp.example",
			want: refused, quoted: "https://REDACTED@goproxy.corp.example"},
		{name: "after a ',' fallback", value: "https://proxy.golang.org," + userSlash + "@goproxy.corp.example/go,direct",
			want: refused, quoted: "https://proxy.golang.org,REDACTED@goproxy.corp.example/go,direct"},
		{name: "after a '|' fallback", value: "https://proxy.golang.org|https://" + userSlash + "@goproxy.corp.example|off",
			want: refused, quoted: "https://proxy.golang.org|https://REDACTED@goproxy.corp.example|off"},
		{name: "with a port and a path", value: userSlash + "@goproxy.corp.example:8443:/go",
			want: refused, quoted: "REDACTED@goproxy.corp.example:8443:/go"},
		// A value that does not parse must not skip the check, nor be
		// quoted back with its credentials.
		{name: "unparseable with credentials", value: "https://" + userSlash + "@goproxy.corp.example/%zz",
			want: notURL, quoted: "https://REDACTED@goproxy.corp.example/%zz"},
		{name: "unparseable", value: "https://goproxy.corp.example/%zz", want: notURL},
		{name: "unknown keyword", value: "https://proxy.golang.org,nothing", want: noScheme},
		{name: "unsupported scheme", value: "ftp://goproxy.corp.example", want: noScheme},
		{name: "absolute path without file://", value: "/var/cache/goproxy", want: noScheme},
	}
	for _, tt := range tests {
		for _, source := range []struct {
			args []string
			env  map[string]string
			name string
		}{
			{env: map[string]string{"GOPROXY": tt.value}, name: "GOPROXY"},
			{args: []string{"--goproxy", tt.value}, name: "--goproxy"},
		} {
			_, cfg, err := parseArgs(source.args, envOf(source.env), testFacts())
			if tt.want == "" {
				if err != nil || cfg.goProxy != tt.value {
					t.Errorf("%s: %s=%q gives goProxy %q, error %v; want it accepted", tt.name, source.name, tt.value, cfg.goProxy, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: %s=%q accepted, want %q", tt.name, source.name, tt.value, tt.want)
				continue
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || exitCode(err) != 2 {
				t.Errorf("%s: %s error = %v, want %q with exit 2", tt.name, source.name, err, tt.want)
			}
			if strings.Contains(msg, canary) {
				t.Errorf("%s: %s error quotes the credentials back: %v", tt.name, source.name, err)
			}
			quoted := tt.quoted
			if quoted == "" {
				quoted = tt.value
			}
			if !strings.Contains(msg, `invalid `+source.name+` "`+quoted+`"`) {
				t.Errorf("%s: %s error = %v, want it to quote %q", tt.name, source.name, err, quoted)
			}
		}
	}
}

func TestGoProxyURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"ci-bot:s3cr3t@goproxy.corp.example": "https://ci-bot:s3cr3t@goproxy.corp.example",
		"goproxy.corp.example/go":            "https://goproxy.corp.example/go",
		"localhost:3000":                     "https://localhost:3000",
		"https://proxy.golang.org":           "https://proxy.golang.org",
		"file:///srv/goproxy":                "file:///srv/goproxy",
		"/srv/goproxy":                       "/srv/goproxy",
		"direct":                             "direct",
	}
	for in, want := range tests {
		if got := goProxyURL(in); got != want {
			t.Errorf("goProxyURL(%q) = %q, want %q", in, got, want)
		}
	}
}
