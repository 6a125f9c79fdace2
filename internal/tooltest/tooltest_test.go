package tooltest

import "testing"

func TestRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list, tool string
		want       bool
	}{
		{"", "trivy", false},
		{"trivy", "trivy", true},
		{"trivy,tflint", "tflint", true},
		{"trivy tflint", "tflint", true},
		{"trivy, tflint", "tflint", true},
		{"trivyx", "trivy", false},
		{"tflint", "trivy", false},
	}
	for _, tt := range tests {
		if got := Required(tt.list, tt.tool); got != tt.want {
			t.Errorf("Required(%q, %q) = %v, want %v", tt.list, tt.tool, got, tt.want)
		}
	}
}
