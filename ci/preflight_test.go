package main

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		{name: "runner host of a scheme left to Dagger", env: map[string]string{"_EXPERIMENTAL_DAGGER_RUNNER_HOST": "ssh://engine"}},
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

// listen opens a loopback listener for the probe to find.
func listen(t *testing.T, network, address string) net.Listener {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), network, address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestCheckEngineRunnerHost probes real sockets: a listener that never
// accepts still completes connections in the kernel's backlog, so only an
// answer to the gRPC preface counts, and the probe gives up in its own
// short time rather than the Dagger client's ten minutes.
func TestCheckEngineRunnerHost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	silentUnix := listen(t, "unix", filepath.Join(dir, "silent.sock"))
	silentTCP := listen(t, "tcp", "127.0.0.1:0")
	answering := listen(t, "tcp", "127.0.0.1:0")
	go func() {
		for {
			conn, err := answering.Accept()
			if err != nil {
				return
			}
			// An engine answers the preface with its SETTINGS frame.
			_, _ = conn.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0})
			_ = conn.Close()
		}
	}()
	closedTCP := listen(t, "tcp", "127.0.0.1:0")
	closedAddr := closedTCP.Addr().String()
	_ = closedTCP.Close()

	tests := []struct {
		name, host, want string
	}{
		{"engine answers", "tcp://" + answering.Addr().String(), ""},
		{"unix socket that accepts nothing", "unix://" + silentUnix.Addr().String(), "accepted a connection but sent nothing within 300ms"},
		{"no socket at the path", "unix://" + filepath.Join(dir, "missing.sock"), "no such file or directory"},
		{"tcp listener that accepts nothing", "tcp://" + silentTCP.Addr().String(), "accepted a connection but sent nothing within 300ms"},
		{"nothing listens on the port", "tcp://" + closedAddr, "connection refused"},
		{"docker container not running", "docker-container://dagger-engine", "`docker inspect --format {{.State.Running}} dagger-engine` says \"false\""},
		{"no kubectl", "kube-pod://dagger?namespace=ci", "kubectl is not on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			probe := engineProbe{
				getenv: envOf(map[string]string{"_EXPERIMENTAL_DAGGER_RUNNER_HOST": tt.host}),
				lookPath: func(name string) (string, error) {
					if name == "docker" {
						return "/usr/bin/docker", nil
					}
					return "", errors.New("not found")
				},
				output: func(context.Context, string, ...string) (string, error) { return "false\n", nil },
				dial:   (&net.Dialer{}).DialContext,

				engineTimeout: 300 * time.Millisecond,
			}
			start := time.Now()
			err := checkEngine(t.Context(), probe)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the probe took %s, want about its 300ms timeout at most", took)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkEngine = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "_EXPERIMENTAL_DAGGER_RUNNER_HOST="+tt.host)):
				t.Errorf("checkEngine = %v\nwant %q naming the address", err, tt.want)
			}
		})
	}
}
