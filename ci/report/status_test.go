package report

import (
	"reflect"
	"testing"
)

func TestProblems(t *testing.T) {
	t.Parallel()
	stable := []Deployment{{Status: "PRIMARY", RolloutState: "COMPLETED"}}
	healthy := []Target{{ID: "10.0.1.5", State: "healthy"}, {ID: "10.0.2.7", State: "draining"}}
	tests := []struct {
		name string
		st   ServiceStatus
		want []string
	}{
		{name: "stable and healthy", st: ServiceStatus{Desired: 2, Running: 2, Deployments: stable, Targets: healthy}},
		{name: "scaled to zero needs no healthy target", st: ServiceStatus{Deployments: stable}},
		{name: "rolling out", st: ServiceStatus{Desired: 2, Running: 3, Targets: healthy,
			Deployments: []Deployment{{Status: "PRIMARY", RolloutState: "IN_PROGRESS"}, {Status: "ACTIVE", RolloutState: "COMPLETED"}}},
			want: []string{"2 deployments in progress", "primary deployment rollout IN_PROGRESS", "3 of 2 tasks running"}},
		{name: "unhealthy target", st: ServiceStatus{Desired: 1, Running: 1, Deployments: stable,
			Targets: []Target{{ID: "10.0.1.5", State: "unhealthy", Reason: "Target.FailedHealthChecks"}}},
			want: []string{"1 unhealthy targets", "no healthy target in the load balancer"}},
		{name: "no deployment", st: ServiceStatus{Desired: 1},
			want: []string{"no deployment", "0 of 1 tasks running", "no healthy target in the load balancer"}},
	}
	for _, tt := range tests {
		if got := tt.st.Problems(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
