package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address the ALB saw. The ALB appends the peer of every
// request to X-Forwarded-For, so the last entry is the only one a client
// cannot write; anything left of it is the client's word (which is why this
// is never middleware.RealIP, which trusts the first). A request that did
// not come through the ALB, such as the ALB's own health checks, has no
// X-Forwarded-For, and the TCP peer is the client.
//
// Only the access log asks, so it is worked out there rather than by a
// middleware on every request, which would copy each request to carry it.
func clientIP(r *http.Request) string {
	if ip, ok := lastForwardedFor(r.Header[forwardedForHeader]); ok {
		return ip.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

const forwardedForHeader = "X-Forwarded-For"

// lastForwardedFor is the last entry of the X-Forwarded-For chain, the
// headers merged in the order received so that a client cannot choose which
// one counts by sending two. If that entry is not an address, empty
// included, there is no answer: the ALB always appends one, so a chain that
// ends otherwise ("203.0.113.9, ") did not get its last entry from the ALB,
// and everything left of it is the client's word. A v4-mapped address folds
// to plain v4 and a zone is dropped, so that one client has one spelling in
// the logs.
func lastForwardedFor(headers []string) (netip.Addr, bool) {
	if len(headers) == 0 {
		return netip.Addr{}, false
	}
	entry := headers[len(headers)-1]
	if i := strings.LastIndexByte(entry, ','); i >= 0 {
		entry = entry[i+1:]
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(entry))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}
