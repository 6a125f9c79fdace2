package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fakeSessionEnv makes the test binary act as `dagger session`: it prints
// connection parameters as the CLI does, answers requests that carry the
// session token with its own process group, and ends when its standard
// input closes.
const fakeSessionEnv = "GOSHIP_FAKE_DAGGER_SESSION"

func TestMain(m *testing.M) {
	if os.Getenv(fakeSessionEnv) == "1" {
		fakeDaggerSession()
		return
	}
	os.Exit(m.Run())
}

func fakeDaggerSession() {
	l, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // a helper process, not a test
	if err != nil {
		os.Exit(3)
	}
	srv := &http.Server{ReadHeaderTimeout: 0, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, _, ok := r.BasicAuth(); !ok || user != "fake-token" {
			http.Error(w, "no session token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "pgid=%d args=%s", syscall.Getpgrp(), strings.Join(os.Args[1:], " "))
	})}
	go func() { _ = srv.Serve(l) }()
	params, _ := json.Marshal(map[string]any{"port": l.Addr().(*net.TCPAddr).Port, "session_token": "fake-token"})
	fmt.Printf("%s\n", params)
	_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	os.Exit(0)
}

// TestEngineSessionOwnProcessGroup starts the engine session the way run
// does, with the test binary standing in for the Dagger CLI, and checks
// that it runs in a process group of its own: a terminal's Ctrl-C, sent
// to the foreground group, then reaches the pipeline alone, which lets a
// Terraform apply finish instead of losing its engine.
func TestEngineSessionOwnProcessGroup(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("process groups are a unix notion")
	}
	env := map[string]string{"_EXPERIMENTAL_DAGGER_CLI_BIN": os.Args[0]}
	session, err := startEngineSession(t.Context(), envOf(env), append(os.Environ(), fakeSessionEnv+"=1"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+session.Host()+"/query", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := session.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the session answered %s: %s", resp.Status, body)
	}
	fields := strings.Fields(string(body))
	pgid, err := strconv.Atoi(strings.TrimPrefix(fields[0], "pgid="))
	if err != nil {
		t.Fatalf("answer %q", body)
	}
	if pgid == syscall.Getpgrp() || pgid != session.cmd.Process.Pid {
		t.Errorf("the session runs in process group %d; this process is in %d and the session's pid is %d: want a group of its own",
			pgid, syscall.Getpgrp(), session.cmd.Process.Pid)
	}
	if !strings.Contains(string(body), "args=session --label dagger.io/sdk.name:go --label dagger.io/sdk.version:") {
		t.Errorf("the CLI was started with %q", body)
	}
	if err := session.Close(); err != nil {
		t.Errorf("Close = %v, want the session to end when its input closes", err)
	}
}

func TestEngineSessionInsideDaggerRun(t *testing.T) {
	t.Parallel()
	session, err := startEngineSession(t.Context(), envOf(map[string]string{"DAGGER_SESSION_PORT": "1234", "DAGGER_SESSION_TOKEN": "t"}), nil, io.Discard)
	if session != nil || err != nil {
		t.Errorf("startEngineSession inside dagger run = %v, %v; want the SDK to use the existing session", session, err)
	}
}
