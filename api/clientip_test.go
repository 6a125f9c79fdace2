package main

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		forwardedFor []string
		remoteAddr   string
		want         string
	}{
		{name: "no X-Forwarded-For: the TCP peer", remoteAddr: "192.0.2.1:51234", want: "192.0.2.1"},
		{name: "IPv6 peer", remoteAddr: "[2001:db8::7]:51234", want: "2001:db8::7"},
		{name: "through the ALB", forwardedFor: []string{"203.0.113.9"}, want: "203.0.113.9"},
		// The ALB appends the peer it saw; anything left of it is the client's word.
		{name: "spoofed entries", forwardedFor: []string{"10.9.9.9, 198.51.100.1,203.0.113.9"}, want: "203.0.113.9"},
		{name: "spoofed header", forwardedFor: []string{"10.9.9.9", "203.0.113.9"}, want: "203.0.113.9"},
		// An empty last entry was not written by the ALB: the entry left of
		// it is the client's word, so the TCP peer is all that is known.
		{name: "empty last entry", forwardedFor: []string{"203.0.113.9, "}, remoteAddr: "192.0.2.1:51234", want: "192.0.2.1"},
		{name: "empty last header", forwardedFor: []string{"203.0.113.9", " "}, remoteAddr: "192.0.2.1:51234", want: "192.0.2.1"},
		{name: "empty entries left of the last", forwardedFor: []string{"10.9.9.9, , 203.0.113.9"}, want: "203.0.113.9"},
		{name: "v4-mapped folds to v4", forwardedFor: []string{"::ffff:203.0.113.9"}, want: "203.0.113.9"},
		{name: "zone dropped", forwardedFor: []string{"fe80::1%eth0"}, want: "fe80::1"},
		// Never fall back to an entry left of one that is not an address.
		{name: "last entry garbage", forwardedFor: []string{"203.0.113.9, not-an-ip"}, remoteAddr: "192.0.2.1:51234", want: "192.0.2.1"},
		{name: "only commas", forwardedFor: []string{",,,"}, remoteAddr: "192.0.2.1:51234", want: "192.0.2.1"},
		{name: "peer without a port", remoteAddr: "192.0.2.1", want: "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequestWithContext(t.Context(), "GET", "/", nil)
			if tt.remoteAddr != "" {
				req.RemoteAddr = tt.remoteAddr
			}
			for _, v := range tt.forwardedFor {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(req); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
