package cloud

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/internal/moto"
)

// TestConnectEmulator reaches the emulator with the fake keys alone, even
// with a developer's real settings in the environment, which it never reads.
// (Not parallel: it sets the process environment.)
func TestConnectEmulator(t *testing.T) {
	server := moto.Start(t, moto.Options{})
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // a real setting would send every call elsewhere
	t.Setenv("AWS_PROFILE", "production")
	session, err := ConnectEmulator(t.Context(), server.Endpoint, moto.Region, 30*time.Second, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if session.Account != moto.AccountID || session.Config.Region != moto.Region {
		t.Errorf("account %s in %s, want moto's %s in %s", session.Account, session.Config.Region, moto.AccountID, moto.Region)
	}
	keys, err := FreshKeys(t.Context(), session.Credentials, time.Now())
	if err != nil || keys.AccessKeyID != EmulatorKeyID {
		t.Errorf("Terraform would get %q (%v), want the emulator's fake key", keys.AccessKeyID, err)
	}
}

// TestConnectEmulatorGivesUp: an emulator that never answers fails the
// run after the wait given, naming the endpoint.
func TestConnectEmulatorGivesUp(t *testing.T) {
	t.Parallel()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = ConnectEmulator(ctx, endpoint, moto.Region, 300*time.Millisecond, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "the AWS emulator at "+endpoint+" did not answer within 300ms") {
		t.Errorf("ConnectEmulator with nothing listening = %v, want a refusal naming %s", err, endpoint)
	}
}
