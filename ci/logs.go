package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// logs prints the service's log group from --since on, readably (or the
// api's raw JSON lines with --json), and with --follow keeps printing new
// events until Ctrl-C.
func logs(ctx context.Context, p *pipeline) error {
	clients := cloud.NewClients(p.aws.Config)
	query := cloud.LogQuery{Group: logGroupName(p.cfg), Filter: p.cfg.logsFilter, Since: p.now().Add(-p.cfg.logsSince)}
	colour := colourTerminal(p.stdout, p.getenv)
	return cloud.Logs(ctx, clients.Logs, query, p.cfg.logsFollow, cloud.LogFollowInterval, func(e report.LogEvent) error {
		if p.cfg.asJSON {
			_, err := fmt.Fprintln(p.stdout, strings.TrimRight(e.Message, "\n"))
			return err
		}
		return report.LogLine(p.stdout, e, colour)
	})
}

// colourTerminal reports whether w is a terminal that wants colour: not a
// file or a pipe, and NO_COLOR unset (https://no-color.org).
func colourTerminal(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	if !ok || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
