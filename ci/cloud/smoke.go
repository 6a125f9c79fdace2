package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"time"
)

// RetryPolicy bounds how long and how often Smoke asks.
type RetryPolicy struct {
	timeout time.Duration // for the whole smoke test
	first   time.Duration // first pause between attempts; doubles each time
	max     time.Duration // longest pause
}

// DefaultRetryPolicy gives a new load balancer time to resolve.
func DefaultRetryPolicy(timeout time.Duration) RetryPolicy {
	return RetryPolicy{timeout: timeout, first: 2 * time.Second, max: 20 * time.Second}
}

// VersionInfo is what GET /version answers.
type VersionInfo struct {
	Service   string `json:"service"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"build_time"`
	GoVersion string `json:"go_version"`
}

// Smoke checks the live service: GET /healthz answers 200 and GET /version
// reports the deployed commit. It retries with backoff, because a new
// load balancer's name takes a minute or two to resolve and old tasks may
// still be draining, and gives up at the policy's timeout. An empty
// wantCommit accepts any commit (a rollback to an image of unknown origin).
func Smoke(ctx context.Context, client *http.Client, baseURL, wantCommit string, policy RetryPolicy, out io.Writer) (VersionInfo, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, policy.timeout)
	defer cancel()
	baseURL = strings.TrimRight(baseURL, "/")
	pause := policy.first
	var reason error // the last attempt that got as far as an answer, or failed to connect
	for attempt := 1; ; attempt++ {
		info, err := smokeOnce(ctx, client, baseURL, wantCommit)
		if err == nil {
			return info, nil
		}
		// An attempt cut short by the deadline says less than the one
		// before it, which saw what was wrong.
		if ctx.Err() == nil || reason == nil {
			reason = err
		}
		fmt.Fprintf(out, "  smoke attempt %d: %v\n", attempt, err)
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return VersionInfo{}, fmt.Errorf("smoke test of %s interrupted after %d attempts: %w", baseURL, attempt, parent.Err())
			}
			return VersionInfo{}, fmt.Errorf("smoke test of %s failed after %d attempts in %s: %w", baseURL, attempt, policy.timeout, reason)
		case <-time.After(pause):
		}
		pause = min(2*pause, policy.max)
	}
}

func smokeOnce(ctx context.Context, client *http.Client, baseURL, wantCommit string) (VersionInfo, error) {
	if _, err := get(ctx, client, baseURL+"/healthz"); err != nil {
		return VersionInfo{}, err
	}
	body, err := get(ctx, client, baseURL+"/version")
	if err != nil {
		return VersionInfo{}, err
	}
	var info VersionInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return VersionInfo{}, fmt.Errorf("GET /version: not JSON: %w", err)
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
		// url.Error would repeat the method and the URL.
		var urlErr *neturl.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: a close error changes nothing
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d%s", url, resp.StatusCode, bodyExcerpt(body))
	}
	return body, nil
}

// bodyExcerpt is the start of a failed answer's body, on one line: what a
// load balancer or the service said when it refused (a 502 page, a JSON
// error).
func bodyExcerpt(body []byte) string {
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" {
		return ""
	}
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	return ": " + text
}

// Version asks the live service once what it runs (GET /version), for
// status: no retries, a short deadline.
func Version(ctx context.Context, client *http.Client, baseURL string) (VersionInfo, error) {
	body, err := get(ctx, client, strings.TrimRight(baseURL, "/")+"/version")
	if err != nil {
		return VersionInfo{}, err
	}
	var info VersionInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return VersionInfo{}, fmt.Errorf("GET /version: not JSON: %w", err)
	}
	return info, nil
}
