package report

import (
	"bytes"
	"testing"
	"time"
)

func TestLogLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 10, 0, 1, 500_000_000, time.UTC)
	tests := []struct {
		name, message string
		colour        bool
		want          string
	}{
		{name: "slog JSON: time, level, msg, then fields by name",
			message: `{"time":"2026-11-29T10:00:02.123Z","level":"INFO","msg":"request","status":200,"path":"/healthz","duration_ms":1.5}` + "\n",
			want:    "10:00:02.123 INFO  request duration_ms=1.5 path=/healthz status=200\n"},
		{name: "strings with spaces stay quoted",
			message: `{"time":"2026-11-29T10:00:02Z","level":"ERROR","msg":"shutdown","error":"context deadline exceeded"}`,
			want:    "10:00:02.000 ERROR shutdown error=\"context deadline exceeded\"\n"},
		{name: "not JSON: the event's time and the line as it is",
			message: "panic: runtime error\n",
			want:    "10:00:01.500 panic: runtime error\n"},
		{name: "colour on a terminal",
			message: `{"time":"2026-11-29T10:00:02Z","level":"WARN","msg":"slow","ms":900}`, colour: true,
			want: "\x1b[2m10:00:02.000\x1b[0m \x1b[33mWARN \x1b[0m slow \x1b[2mms=\x1b[0m900\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := LogLine(&out, LogEvent{ID: "1", Time: at, Message: tt.message}, tt.colour); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, out.String(), tt.want)
		}
	}
}
