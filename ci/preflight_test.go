package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       map[string]string
		installed []string         // on PATH
		answering map[string]error // `<runtime> info` result; missing means it answers
		want      string           // "" for a pass
		asked     []string         // runtimes whose `info` ran
	}{
		{name: "runner host set", env: map[string]string{"_EXPERIMENTAL_DAGGER_RUNNER_HOST": "tcp://engine:1234"}},
		{name: "inside dagger run", env: map[string]string{"DAGGER_SESSION_PORT": "1234", "DAGGER_SESSION_TOKEN": "t"}},
		{name: "half a session is no session", env: map[string]string{"DAGGER_SESSION_PORT": "1234"},
			want: "no container runtime found: install Docker (https://docs.docker.com/get-docker/) or Podman"},
		{name: "docker answers", installed: []string{"docker"}, asked: []string{"docker"}},
		{name: "podman answers", installed: []string{"podman"}, asked: []string{"podman"}},
		{name: "docker silent, podman answers", installed: []string{"docker", "podman"},
			answering: map[string]error{"docker": errors.New("Cannot connect to the Docker daemon")}, asked: []string{"docker", "podman"}},
		{name: "docker installed, daemon down", installed: []string{"docker"},
			answering: map[string]error{"docker": errors.New("Cannot connect to the Docker daemon")}, asked: []string{"docker"},
			want: "no container runtime is answering (`docker info`: Cannot connect to the Docker daemon): start it, or install Docker"},
		{name: "nothing installed", want: "no container runtime found: install Docker (https://docs.docker.com/get-docker/) or Podman, start it, and retry; or point _EXPERIMENTAL_DAGGER_RUNNER_HOST at a Dagger engine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var asked []string
			probe := engineProbe{
				getenv: envOf(tt.env),
				lookPath: func(name string) (string, error) {
					for _, n := range tt.installed {
						if n == name {
							return "/usr/bin/" + name, nil
						}
					}
					return "", errors.New("not found")
				},
				answers: func(ctx context.Context, path string, args ...string) error {
					if _, ok := ctx.Deadline(); !ok {
						t.Error("runtime asked without a deadline")
					}
					name := path[strings.LastIndex(path, "/")+1:]
					asked = append(asked, name)
					if strings.Join(args, " ") != "info" {
						t.Errorf("asked %s %v, want info", name, args)
					}
					return tt.answering[name]
				},
			}
			err := checkEngine(context.Background(), probe)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkEngine = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkEngine = %v, want %q", err, tt.want)
			}
			if strings.Join(asked, ",") != strings.Join(tt.asked, ",") {
				t.Errorf("asked %v, want %v", asked, tt.asked)
			}
		})
	}
}
