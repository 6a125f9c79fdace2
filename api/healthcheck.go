package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// healthcheckTimeout is well under the image's HEALTHCHECK --timeout, so
// a hung server fails the check with a message rather than by being killed.
const healthcheckTimeout = 2 * time.Second

// healthcheck asks a server on this host for /healthz. The runtime image has
// no shell or curl, so this is how Docker and ECS check the container. Any
// failure, a bad PORT included, is exit status 1: Docker reserves 2.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("healthcheck: invalid PORT %q: want an integer port 1-65535", port)
	}
	url := "http://" + net.JoinHostPort(probeHost(getenv("HOST")), port) + "/healthz"

	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy from the environment and no connection kept: one probe, direct.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// Only the status matters; a body error would change nothing.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, resp.Status)
	}
	return nil
}

// probeHost is where the server can be reached from inside its container:
// loopback when it listens on all interfaces, else the one address it
// listens on.
func probeHost(host string) string {
	if host == "" {
		return "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return host
}
