package script_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/example/goship/internal/moto/script"
	"github.com/example/goship/internal/tooltest"
)

// TestServerBindsTheAddressGiven: with HOST PORT, as rehearse runs it in
// the emulator's container, server.py listens there and answers moto's
// own API.
func TestServerBindsTheAddressGiven(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.CommandContext(t.Context(), python, "-c", "import moto, werkzeug").Run()
	}
	if err != nil {
		if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "moto") {
			t.Fatalf("moto is required (REQUIRE_TOOLS names it) but python3 cannot import it: %v", err)
		}
		t.Skipf("skipping: python3 cannot import moto (pip install 'moto[server]==5.2.1'): %v", err)
	}
	path := filepath.Join(t.TempDir(), "server.py")
	if err := os.WriteFile(path, script.Server, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-u", path, "127.0.0.1", port)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "listening on "+port+"\n" {
		t.Fatalf("server.py said %q (%v), want it listening on %s", line, err, port)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/moto-api/data.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("moto's API answers %s", resp.Status)
	}
}
