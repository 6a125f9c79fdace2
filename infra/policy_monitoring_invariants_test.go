package infra_test

import (
	"fmt"
	"slices"
	"strings"
)

// The invariants of the grants on the service's signals (issue 18): its
// alarms, alarm topic, dashboard and the parameters bootstrap publishes,
// all in infra/bootstrap/deploy_monitoring.tf and plan_role.tf.

// signalARNs are an environment's signals by exact ARN, as the service
// stack names them (infra/alarms.tf, notifications.tf, dashboard.tf).
type signalARNs struct {
	alarms       []string // the four service alarms
	scaling      string   // the target-tracking alarms AWS names
	dashboard    string
	topic        string
	parameters   []string // bootstrap's SSM parameters the stack reads
	subscription string   // the topic's subscriptions: "<topic>:*"
}

func signalsOf(d deployment) signalARNs {
	cw := "arn:aws:cloudwatch:us-east-1:" + testAccountID
	name := d.app + "-" + d.env
	s := signalARNs{
		scaling:   cw + ":alarm:TargetTracking-service/" + name + "/*",
		dashboard: "arn:aws:cloudwatch::" + testAccountID + ":dashboard/" + name,
		topic:     "arn:aws:sns:us-east-1:" + testAccountID + ":" + name + "-alarms",
	}
	for _, signal := range []string{"target-5xx", "latency-p99", "unhealthy-hosts", "running-tasks"} {
		s.alarms = append(s.alarms, cw+":alarm:"+name+"-"+signal)
	}
	s.subscription = s.topic + ":*"
	for _, p := range []string{"network", "alarm-topic-key"} {
		s.parameters = append(s.parameters, "arn:aws:ssm:us-east-1:"+testAccountID+":parameter/"+d.app+"/"+d.env+"/"+p)
	}
	return s
}

// signalsOnAnyResource are the CloudWatch and SNS actions granted on "*",
// each with the reason AWS allows no narrower resource.
var signalsOnAnyResource = map[string]string{
	"cloudwatch:GetMetricData": "it names metrics, not resources: the authorization reference lists no resource type for it",
}

// silencingActions silence an alarm without changing its definition:
// nothing deploys with them, and no grant may carry them.
var silencingActions = []string{"cloudwatch:DisableAlarmActions", "cloudwatch:SetAlarmState", "cloudwatch:EnableAlarmActions", "cloudwatch:PutCompositeAlarm"}

// signalsNamedExactly checks every CloudWatch, SNS and SSM grant of the
// deploy and plan roles: each names this environment's alarms, dashboard,
// topic (and its subscriptions) or parameters exactly, never by a name
// prefix, which would reach application "<app>-<env>"'s; only the actions
// of signalsOnAnyResource are on "*"; Subscribe is by email only; and
// nothing may silence an alarm.
func signalsNamedExactly(d deployment, _ []deployment, _ map[string]bool) error {
	s := signalsOf(d)
	allowed := map[string][]string{
		"cloudwatch": slices.Concat(s.alarms, []string{s.scaling, s.dashboard}),
		"sns":        {s.topic, s.subscription},
		"ssm":        s.parameters,
	}
	for _, role := range []struct {
		name string
		p    policy
	}{{"deploy role", d.deploy}, {"plan role", d.plan}} {
		for _, st := range role.p.Statements {
			if !st.allows() {
				continue
			}
			for _, action := range st.Actions {
				svc := service(action)
				exact, checked := allowed[svc]
				if !checked {
					continue
				}
				if slices.ContainsFunc(silencingActions, func(a string) bool { return wildcardMatch(strings.ToLower(action), strings.ToLower(a)) }) {
					return fmt.Errorf("%s statement %q allows %s, which silences alarms", role.name, st.Sid, action)
				}
				if strings.ContainsAny(action, "*?") {
					return fmt.Errorf("%s statement %q allows %s: list the actions", role.name, st.Sid, action)
				}
				for _, r := range st.Resources {
					if r == "*" {
						if _, ok := signalsOnAnyResource[action]; !ok {
							return fmt.Errorf("%s statement %q allows %s on *, which AWS can scope to this environment's resources", role.name, st.Sid, action)
						}
						continue
					}
					if parts := strings.SplitN(r, ":", 4); len(parts) == 4 && parts[2] != svc {
						continue // another service's resource: IAM never matches it to this action
					}
					if !slices.Contains(exact, r) {
						return fmt.Errorf("%s statement %q allows %s on %s, not exactly one of this environment's %v", role.name, st.Sid, action, r, exact)
					}
					if r == s.subscription && action != "sns:Unsubscribe" && action != "sns:GetSubscriptionAttributes" {
						return fmt.Errorf("%s statement %q allows %s on the topic's subscriptions", role.name, st.Sid, action)
					}
				}
				if action == "sns:Subscribe" {
					if protocols, ok := st.condition("StringEquals", "sns:Protocol"); !ok || !slices.Equal(protocols, []string{"email"}) {
						return fmt.Errorf("%s statement %q allows sns:Subscribe by any protocol: an HTTPS endpoint or another account's queue would receive the alarms", role.name, st.Sid)
					}
				}
			}
		}
	}
	return nil
}

// alarmsActOnOwnScaling checks that an alarm the deploy role may create can
// act only on this environment's scaling policies or notify its own alarm
// topic: an alarm's name limits nothing it does, and its actions may scale
// any service, publish to any topic or open incidents.
func alarmsActOnOwnScaling(d deployment, _ []deployment, _ map[string]bool) error {
	topic := signalsOf(d).topic
	for _, st := range d.deploy.Statements {
		if !st.allows() || !st.matchesAction("cloudwatch:PutMetricAlarm") {
			continue
		}
		like, _ := st.condition("ForAllValues:StringLike", "cloudwatch:AlarmActions")
		equal, _ := st.condition("ForAllValues:StringEquals", "cloudwatch:AlarmActions")
		actions := slices.Concat(like, equal)
		if len(actions) == 0 {
			return fmt.Errorf("statement %q allows cloudwatch:PutMetricAlarm with any alarm action", st.Sid)
		}
		// ForAllValues holds on an empty set: an alarm with no actions would
		// pass it without this.
		if present, ok := st.condition("Null", "cloudwatch:AlarmActions"); !ok || !slices.Equal(present, []string{"false"}) {
			return fmt.Errorf("statement %q allows cloudwatch:PutMetricAlarm without Null cloudwatch:AlarmActions = false beside its ForAllValues", st.Sid)
		}
		for _, a := range actions {
			scaling := strings.Contains(a, ":scalingPolicy:") && strings.HasSuffix(a, ":resource/ecs/service/"+d.app+"-"+d.env+"/*") && !strings.ContainsAny(strings.TrimSuffix(a, "/*"), "?")
			if !scaling && a != topic {
				return fmt.Errorf("statement %q lets an alarm act on %s, not only this environment's scaling policies and its topic %s", st.Sid, a, topic)
			}
		}
	}
	return nil
}
