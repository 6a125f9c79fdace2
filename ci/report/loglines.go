package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// LogEvent is one CloudWatch Logs event.
type LogEvent struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"`
	Message string    `json:"message"`
}

// The ANSI colours of the levels, used on a terminal only.
const (
	colourReset = "\x1b[0m"
	colourDim   = "\x1b[2m"
)

var levelColours = map[string]string{
	"DEBUG": "\x1b[36m",
	"INFO":  "\x1b[32m",
	"WARN":  "\x1b[33m",
	"ERROR": "\x1b[31m",
}

// LogLine renders one event readably. The api writes slog JSON lines:
// time, level and msg come first, then the other fields as key=value in
// name order. Any other line is printed as it is, after the event's time.
func LogLine(w io.Writer, e LogEvent, colour bool) error {
	msg := strings.TrimRight(e.Message, "\n")
	var fields map[string]any
	if json.Unmarshal([]byte(msg), &fields) != nil || fields == nil {
		_, err := fmt.Fprintf(w, "%s %s\n", e.Time.UTC().Format("15:04:05.000"), msg)
		return err
	}
	at := e.Time.UTC().Format("15:04:05.000")
	if s, ok := fields["time"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			at = t.UTC().Format("15:04:05.000")
		}
	}
	level, _ := fields["level"].(string)
	text, _ := fields["msg"].(string)
	delete(fields, "time")
	delete(fields, "level")
	delete(fields, "msg")
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b strings.Builder
	if colour {
		fmt.Fprintf(&b, "%s%s%s %s%-5s%s %s", colourDim, at, colourReset, levelColours[level], level, colourReset, text)
	} else {
		fmt.Fprintf(&b, "%s %-5s %s", at, level, text)
	}
	for _, k := range keys {
		v, err := json.Marshal(fields[k])
		if err != nil {
			continue
		}
		value := string(v)
		if s, ok := fields[k].(string); ok && !strings.ContainsAny(s, " \t\"=") && s != "" {
			value = s
		}
		if colour {
			fmt.Fprintf(&b, " %s%s=%s%s", colourDim, k, colourReset, value)
		} else {
			fmt.Fprintf(&b, " %s=%s", k, value)
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
