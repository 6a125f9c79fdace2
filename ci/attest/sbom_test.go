package attest

import (
	"os"
	"testing"
)

func goldenSBOM(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/api.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}
