package report

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The service stack's alarms, by what each watches. The names are a
// contract between the Terraform (infra/alarms.tf), the deploy role's
// policy, the bake and status: AlarmNames is the one place the pipeline
// spells them, and TestAlarmNamesMatchTheStack holds the Terraform to it.
const (
	AlarmTarget5xx      = "target-5xx"      // share of requests the tasks answered 5xx
	AlarmLatencyP99     = "latency-p99"     // TargetResponseTime p99
	AlarmUnhealthyHosts = "unhealthy-hosts" // targets failing the health check
	AlarmRunningTasks   = "running-tasks"   // running tasks below desired
)

// alarmKinds is the order alarms are listed in: the two that judge what
// users get first (they also roll a deployment back in ECS), then the two
// that say why.
var alarmKinds = []string{AlarmTarget5xx, AlarmLatencyP99, AlarmUnhealthyHosts, AlarmRunningTasks}

// AlarmNames are the exact names of environment env's alarms of app.
// Always these exact names, never a prefix: app goship's environment dev
// and app goship-dev's environments share the prefix goship-dev-.
func AlarmNames(app, env string) []string {
	names := make([]string, len(alarmKinds))
	for i, kind := range alarmKinds {
		names[i] = app + "-" + env + "-" + kind
	}
	return names
}

// DeploymentAlarmNames are the alarms ECS itself watches during a
// deployment of the service, and rolls back on.
func DeploymentAlarmNames(app, env string) []string {
	return AlarmNames(app, env)[:2]
}

// DashboardName is the environment's CloudWatch dashboard.
func DashboardName(app, env string) string { return app + "-" + env }

// DashboardURL opens the environment's dashboard in the CloudWatch console.
func DashboardURL(region, app, env string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards/dashboard/%s",
		region, region, url.PathEscape(DashboardName(app, env)))
}

// The states a CloudWatch alarm can be in.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// Alarm is one alarm's state as CloudWatch reports it.
type Alarm struct {
	Name  string    `json:"name"`
	State string    `json:"state"` // OK, ALARM, INSUFFICIENT_DATA; empty when the alarm does not exist
	Since time.Time `json:"since,omitzero"`
	// Reason is CloudWatch's own account of the last state change, with
	// the datapoints that crossed the threshold.
	Reason string `json:"reason,omitempty"`
}

// Missing says the alarm was asked for by name and CloudWatch has none.
func (a Alarm) Missing() bool { return a.State == "" }

// shortName is the alarm's name without the app-env- prefix every one of
// an environment's alarms shares, for lines that list all four.
func (a Alarm) shortName() string {
	for _, kind := range alarmKinds {
		if strings.HasSuffix(a.Name, "-"+kind) {
			return kind
		}
	}
	return a.Name
}

// AlarmEvent is one entry of an alarm's history.
type AlarmEvent struct {
	At      time.Time `json:"at"`
	Alarm   string    `json:"alarm"`
	Type    string    `json:"type"`    // StateUpdate, ConfigurationUpdate, Action
	Summary string    `json:"summary"` // "Alarm updated from OK to ALARM"
}
