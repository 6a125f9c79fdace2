package main

import (
	"errors"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// setGoProxy refuses credentials in GOPROXY: the value is a plain
// environment variable of the test container and a build argument of the
// image, so a token in it would be printed in the engine's log and kept
// in the pushed image's history. Each entry is read the way the go command
// reads it, so a value the go command would send credentials for cannot
// pass as something else, and one that cannot be read is refused.
func setGoProxy(c *config, v string) error {
	if err := setWord(&c.goProxy, v); err != nil {
		return err
	}
	for _, entry := range goProxyEntries(v) {
		if err := checkGoProxyEntry(entry); err != nil {
			c.goProxy = ""
			return err
		}
	}
	return nil
}

// goProxyEntries splits GOPROXY at ',' (fall back after a 404 or 410) and
// '|' (fall back after any error).
func goProxyEntries(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '|' })
}

// checkGoProxyEntry accepts the keywords direct and off, and URLs without
// user information. The error never quotes the entry: it may be a secret.
func checkGoProxyEntry(entry string) error {
	if entry == "direct" || entry == "off" {
		return nil
	}
	u, err := url.Parse(goProxyURL(entry))
	if err != nil {
		return errors.New("an entry is not a URL: want https://host[/path], file:///path, direct or off, separated by ',' or '|'")
	}
	// "user:pass@host" without a scheme parses as scheme "user" with the
	// rest opaque; the go command itself would have added https:// and
	// sent "user:pass" to host.
	if u.User != nil || strings.Contains(u.Opaque, "@") || strings.Contains(u.Host, "@") {
		return errors.New("credentials in a GOPROXY URL would be printed in the engine's log and kept in the image's history: use a proxy the build network may read without them")
	}
	switch u.Scheme {
	case "https", "http", "file":
		return nil
	default:
		return errors.New("an entry has no https://, http:// or file:// scheme: want https://host[/path], file:///path, direct or off, separated by ',' or '|'")
	}
}

// goProxyURL is the URL the go command makes of a GOPROXY entry: it adds
// https:// to one that contains '.', ':' or '/' but neither ":/" nor an
// absolute path (cmd/go/internal/modfetch/proxy.go).
func goProxyURL(entry string) string {
	if strings.ContainsAny(entry, ".:/") && !strings.Contains(entry, ":/") && !filepath.IsAbs(entry) && !path.IsAbs(entry) {
		return "https://" + entry
	}
	return entry
}

// redactGoProxy is how an invalid GOPROXY is quoted back: in each entry
// that holds an '@', everything between the scheme and the last '@' (where
// user information would be) becomes REDACTED, whether or not the entry
// parses, and the ',' and '|' separators stay where they were.
func redactGoProxy(v string) string {
	var b strings.Builder
	for v != "" {
		end := strings.IndexAny(v, ",|")
		if end < 0 {
			end = len(v)
		}
		b.WriteString(redactGoProxyEntry(v[:end]))
		if end < len(v) {
			b.WriteByte(v[end])
			end++
		}
		v = v[end:]
	}
	return b.String()
}

func redactGoProxyEntry(entry string) string {
	at := strings.LastIndex(entry, "@")
	if at < 0 {
		return entry
	}
	start := 0
	if scheme := strings.Index(entry, "://"); scheme >= 0 && scheme < at {
		start = scheme + len("://")
	}
	return entry[:start] + "REDACTED" + entry[at:]
}
