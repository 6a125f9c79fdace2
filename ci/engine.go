package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"dagger.io/dagger/engineconn"
)

// engineSession is the Dagger CLI's engine session, started the way the
// SDK starts it but in a process group of its own. A terminal sends
// Ctrl-C to its whole foreground process group, and `dagger session` ends
// the engine session on SIGINT (cmd/dagger/session.go in the Dagger
// repository): a Terraform apply that the first interrupt is meant to let
// finish would be killed with it. Apart from the group, this is what
// engineconn.FromDownloadedCLI does.
type engineSession struct {
	client *http.Client
	cmd    *exec.Cmd
	stdin  io.Closer // the CLI ends the session when it is closed
	logs   sync.WaitGroup
}

// sessionStartTimeout is how long the CLI may take to print its
// connection parameters; the SDK allows the same, for engines that must
// first be pulled and started.
const sessionStartTimeout = 300 * time.Second

// sessionCloseTimeout is how long the CLI may take to end the session
// once asked, as the SDK allows (exec.Cmd.WaitDelay).
const sessionCloseTimeout = 300 * time.Second

// startEngineSession starts `dagger session` with the CLI that
// _EXPERIMENTAL_DAGGER_CLI_BIN names, or the SDK's own pinned CLI
// (downloaded once into the user's cache, as the SDK does). It returns
// nil inside `dagger run`, whose session already exists.
func startEngineSession(ctx context.Context, getenv func(string) string, environ []string, logs io.Writer) (*engineSession, error) {
	if getenv("DAGGER_SESSION_PORT") != "" {
		return nil, nil
	}
	bin := getenv("_EXPERIMENTAL_DAGGER_CLI_BIN")
	if bin != "" {
		path, err := exec.LookPath(bin)
		if err != nil {
			return nil, fmt.Errorf("_EXPERIMENTAL_DAGGER_CLI_BIN=%s: %w", bin, err)
		}
		bin = path
	} else {
		path, err := (engineconn.CLIDownloader{Ref: engineconn.CLIVersion, Release: true, LogOutput: logs, CleanupOld: true}).Download(ctx)
		if err != nil {
			return nil, fmt.Errorf("getting the Dagger CLI %s: %w", engineconn.CLIVersion, err)
		}
		bin = path
	}

	cmd := exec.Command(bin, "session", "--label", "dagger.io/sdk.name:go", "--label", "dagger.io/sdk.version:"+engineconn.CLIVersion) //nolint:gosec,noctx // the pinned CLI; its life is tied to stdin, not to a context
	cmd.Env = environ
	cmd.SysProcAttr = ownProcessGroup()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Dagger engine session (%s): %w", bin, err)
	}
	s := &engineSession{cmd: cmd, stdin: stdin}
	s.logs.Add(1)
	go func() {
		defer s.logs.Done()
		_, _ = io.Copy(logs, stderr) // the engine's progress; nothing to do if the terminal is gone
	}()

	params, err := readSessionParams(ctx, stdout)
	if err != nil {
		_ = s.Close() // the start failed; that is the error to report
		return nil, fmt.Errorf("starting the Dagger engine session: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }() // keep the CLI from blocking on a full pipe
	token, port := params.SessionToken, strconv.Itoa(params.Port)
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
		},
	}
	s.client = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r.SetBasicAuth(token, "")
		return transport.RoundTrip(r)
	})}
	return s, nil
}

// readSessionParams reads the first line the CLI prints: where the session
// listens and its token.
func readSessionParams(ctx context.Context, stdout io.Reader) (engineconn.ConnectParams, error) {
	type result struct {
		params engineconn.ConnectParams
		err    error
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		var r result
		if err != nil {
			r.err = fmt.Errorf("reading its connection parameters: %w", err)
		} else if err := json.Unmarshal(line, &r.params); err != nil || r.params.Port == 0 {
			r.err = fmt.Errorf("its connection parameters %q are not what the SDK expects", line)
		}
		done <- r
	}()
	timer := time.NewTimer(sessionStartTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.params, r.err
	case <-ctx.Done():
		return engineconn.ConnectParams{}, ctx.Err()
	case <-timer.C:
		return engineconn.ConnectParams{}, errors.New("no connection parameters within " + sessionStartTimeout.String())
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Do sends one request of the SDK to the session.
func (s *engineSession) Do(r *http.Request) (*http.Response, error) { return s.client.Do(r) }

// Host is the name the SDK puts in its URLs; the transport dials the
// session's port whatever it says.
func (s *engineSession) Host() string { return "dagger" }

// Close ends the session the way the SDK does: by closing the CLI's
// standard input, which lets it drain its logs first.
func (s *engineSession) Close() error {
	closeErr := s.stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(sessionCloseTimeout):
		// The SDK gives the CLI as long to export caches; past that the
		// session is stuck, and the run's own result matters more.
		_ = s.cmd.Process.Kill()
		waitErr = fmt.Errorf("the Dagger engine session did not end within %s of closing: killed (%w)", sessionCloseTimeout, <-exited)
	}
	s.logs.Wait()
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		return fmt.Errorf("the Dagger engine session ended with %w", waitErr)
	}
	return errors.Join(closeErr, waitErr)
}
