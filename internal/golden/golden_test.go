package golden

import "testing"

func TestEqualAcceptsTheFileAsItStands(t *testing.T) {
	t.Parallel()
	Equal(t, "hello.txt.golden", []byte("hello\n"))
}

func TestAcceptCommandNamesThePackageFromTheModuleRoot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string
	}{
		{"top", "go test ./internal/golden -run '^TestAcceptCommandNamesThePackageFromTheModuleRoot$' -update"},
		{"sub/test", "go test ./internal/golden -run '^TestAcceptCommandNamesThePackageFromTheModuleRoot$' -update"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := acceptCommand(t); got != tt.want {
				t.Errorf("acceptCommand = %q, want %q", got, tt.want)
			}
		})
	}
}
