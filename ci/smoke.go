package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// retryPolicy bounds how long and how often smoke asks.
type retryPolicy struct {
	timeout time.Duration // for the whole smoke test
	first   time.Duration // first pause between attempts; doubles each time
	max     time.Duration // longest pause
}

func defaultRetryPolicy(timeout time.Duration) retryPolicy {
	return retryPolicy{timeout: timeout, first: 2 * time.Second, max: 20 * time.Second}
}

// versionInfo is what GET /version answers.
type versionInfo struct {
	Service   string `json:"service"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"build_time"`
	GoVersion string `json:"go_version"`
}

// smoke checks the live service: GET /healthz answers 200 and GET /version
// reports the deployed commit. It retries with backoff, because a new
// load balancer's name takes a minute or two to resolve and old tasks may
// still be draining, and gives up at the policy's timeout. An empty
// wantCommit accepts any commit (a rollback to an image of unknown origin).
func smoke(ctx context.Context, client *http.Client, baseURL, wantCommit string, policy retryPolicy, out io.Writer) (versionInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, policy.timeout)
	defer cancel()
	baseURL = strings.TrimRight(baseURL, "/")
	pause := policy.first
	for attempt := 1; ; attempt++ {
		info, err := smokeOnce(ctx, client, baseURL, wantCommit)
		if err == nil {
			return info, nil
		}
		fmt.Fprintf(out, "  smoke attempt %d: %v\n", attempt, err)
		select {
		case <-ctx.Done():
			return versionInfo{}, fmt.Errorf("smoke test of %s failed after %d attempts in %s: %w", baseURL, attempt, policy.timeout, err)
		case <-time.After(pause):
		}
		pause = min(2*pause, policy.max)
	}
}

func smokeOnce(ctx context.Context, client *http.Client, baseURL, wantCommit string) (versionInfo, error) {
	if _, err := get(ctx, client, baseURL+"/healthz"); err != nil {
		return versionInfo{}, err
	}
	body, err := get(ctx, client, baseURL+"/version")
	if err != nil {
		return versionInfo{}, err
	}
	var info versionInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return versionInfo{}, fmt.Errorf("GET /version: not JSON: %w", err)
	}
	if wantCommit != "" && info.Commit != wantCommit {
		return info, fmt.Errorf("GET /version reports commit %q, want %q", info.Commit, wantCommit)
	}
	return info, nil
}

func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("GET %s: no answer before the deadline", url)
		}
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: a close error changes nothing
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return body, nil
}
