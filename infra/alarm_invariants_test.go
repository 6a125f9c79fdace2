package infra_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// The service's signals (issue 18) as properties of the stacks: the alarm
// topic is encrypted with the key bootstrap keeps for the environment, ECS
// rolls a deployment back on the traffic alarms, and every alarm tells the
// topic. TestInvariants runs them with the others.

var (
	alarmTopic    = []blockRef{resourceBlock("aws_sns_topic", "alarm")}
	alarmTopicKey = []blockRef{resourceBlock("aws_kms_key", "alarm_topic")}
)

var alarmInvariants = []invariant{
	{
		name:  "the alarm topic is encrypted with the environment's key from bootstrap, which rotates",
		check: alarmTopicEncrypted,
		broken: []mutation{
			unset("service", "notifications.tf", alarmTopic, "kms_master_key_id"),
			set("service", "notifications.tf", alarmTopic, "kms_master_key_id", `"alias/aws/sns"`),
			set("service", "notifications.tf", []blockRef{block("data", "aws_ssm_parameter", "alarm_topic_key")}, "name", `"/${var.app_name}/alarm-topic-key"`),
			set("bootstrap", "alarm_key.tf", alarmTopicKey, "enable_key_rotation", "false"),
			set("bootstrap", "alarm_key.tf", []blockRef{resourceBlock("aws_ssm_parameter", "alarm_topic_key")}, "value", `"alias/aws/sns"`),
			set("bootstrap", "alarm_key.tf", []blockRef{resourceBlock("aws_ssm_parameter", "alarm_topic_key")}, "name", `"/${var.app_name}/alarm-topic-key"`),
		},
	},
	{
		name:  "only this account's CloudWatch and SNS may use the alarm topic key, and only to encrypt and decrypt",
		check: alarmTopicKeyPolicyIsNarrow,
		broken: []mutation{
			dropCondition("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "aws:SourceAccount"),
			setCondition("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "aws:SourceAccount", "test", `"StringLike"`),
			setCondition("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "aws:SourceAccount", "values", `["*"]`),
			setStatement("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "actions", `["kms:*"]`),
			setStatement("alarm_key.tf", "alarm_topic_key", "AccountAdministers", "actions", `["kms:Decrypt"]`).as("the account cannot administer the key"),
			inStatement("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "any principal", func(st *hclwrite.Body) error {
				principals := st.FirstMatchingBlock("principals", nil)
				if principals == nil {
					return errors.New("no principals block")
				}
				principals.Body().SetAttributeValue("type", cty.StringVal("AWS"))
				principals.Body().SetAttributeValue("identifiers", cty.TupleVal([]cty.Value{cty.StringVal("*")}))
				return nil
			}),
			onStatement("alarm_key.tf", "alarm_topic_key", "AlarmsPublishToTheTopic", "a third statement", func(doc *hclwrite.Body, _ *hclwrite.Block) error {
				st := doc.AppendNewBlock("statement", nil).Body()
				st.SetAttributeValue("actions", cty.TupleVal([]cty.Value{cty.StringVal("kms:Decrypt")}))
				st.SetAttributeValue("resources", cty.TupleVal([]cty.Value{cty.StringVal("*")}))
				return nil
			}),
		},
	},
	{
		name:  "ECS rolls a deployment back on exactly the 5xx and p99 alarms",
		check: deploymentAlarmsRollBack,
		broken: []mutation{
			set("service", "ecs.tf", append(serviceBlock, block("alarms")), "rollback", "false"),
			set("service", "ecs.tf", append(serviceBlock, block("alarms")), "enable", "false"),
			set("service", "ecs.tf", append(serviceBlock, block("alarms")), "enable", "var.alarm_email != null").as("enable depends on a variable"),
			set("service", "ecs.tf", append(serviceBlock, block("alarms")), "alarm_names", "[aws_cloudwatch_metric_alarm.target_5xx.alarm_name]"),
			set("service", "ecs.tf", append(serviceBlock, block("alarms")), "alarm_names", `["${local.name}-target-5xx", "${local.name}-latency-p99"]`).as("names that no alarm of the stack has to have"),
			drop("service", "ecs.tf", serviceBlock, "alarms"),
		},
	},
	{
		name:  "every alarm notifies the alarm topic on ALARM and on OK",
		check: alarmsNotifyTheTopic,
		broken: []mutation{
			unset("service", "alarms.tf", []blockRef{resourceBlock("aws_cloudwatch_metric_alarm", "running_tasks")}, "ok_actions"),
			set("service", "alarms.tf", []blockRef{resourceBlock("aws_cloudwatch_metric_alarm", "target_5xx")}, "alarm_actions", "[]"),
			set("service", "alarms.tf", []blockRef{resourceBlock("aws_cloudwatch_metric_alarm", "latency_p99")}, "actions_enabled", "false"),
			set("service", "notifications.tf", []blockRef{block("locals")}, "alarm_topic_arn", `"arn:aws:sns:us-east-1:123456789012:elsewhere"`),
			add("service", "debug.tf", `
resource "aws_cloudwatch_metric_alarm" "debug" {
  alarm_name          = "${local.name}-debug"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 1
  namespace           = "AWS/ApplicationELB"
  metric_name         = "RequestCount"
  period              = 60
  statistic           = "Sum"
}
`).as("an alarm that tells nobody"),
		},
	},
}

// alarmTopicEncrypted: every topic of the service stack takes its key from
// the parameter /<app>/<env>/alarm-topic-key, and bootstrap writes that
// parameter from a rotating key of its own.
func alarmTopicEncrypted(stacks map[string]*module) error {
	service := stacks["service"]
	topics := service.resources("aws_sns_topic")
	if len(topics) == 0 {
		return errors.New("no aws_sns_topic in the service stack")
	}
	for _, topic := range topics {
		if !isTraversalTo(attr(topic, "kms_master_key_id"), "data.aws_ssm_parameter.alarm_topic_key") {
			return fmt.Errorf("aws_sns_topic.%s: kms_master_key_id must be data.aws_ssm_parameter.alarm_topic_key, the key bootstrap published", topic.Labels[1])
		}
	}
	if err := namesParameter(service, service.blocks("data", "aws_ssm_parameter", "alarm_topic_key"), "data aws_ssm_parameter.alarm_topic_key"); err != nil {
		return err
	}

	bootstrap := stacks["bootstrap"]
	key := bootstrap.resource("aws_kms_key", "alarm_topic")
	if key == nil || !isLiteral(attr(key, "enable_key_rotation"), cty.True) {
		return errors.New("bootstrap's aws_kms_key.alarm_topic must literally enable key rotation")
	}
	parameter := bootstrap.resource("aws_ssm_parameter", "alarm_topic_key")
	if parameter == nil || !isTraversalTo(attr(parameter, "value"), "aws_kms_key.alarm_topic") {
		return errors.New("bootstrap's aws_ssm_parameter.alarm_topic_key must hold aws_kms_key.alarm_topic's ARN")
	}
	return namesParameter(bootstrap, []*hclsyntax.Block{parameter}, "bootstrap's aws_ssm_parameter.alarm_topic_key")
}

// namesParameter checks that the blocks' name is /<app>/<env>/alarm-topic-key
// for an app and an environment (env from var.environment in the service
// stack, from each.key in bootstrap).
func namesParameter(m *module, blocks []*hclsyntax.Block, what string) error {
	if len(blocks) != 1 {
		return fmt.Errorf("%s: want exactly one", what)
	}
	name, ok := attr(blocks[0], "name").(*hclsyntax.TemplateExpr)
	if !ok {
		return fmt.Errorf("%s: name must be a template over the app and the environment", what)
	}
	var parts []string
	for _, part := range name.Parts {
		if lit, ok := literal(part); ok && lit.Type() == cty.String {
			parts = append(parts, lit.AsString())
			continue
		}
		ste, ok := part.(*hclsyntax.ScopeTraversalExpr)
		if !ok {
			return fmt.Errorf("%s: name has a part that is neither text nor a reference", what)
		}
		parts = append(parts, "${"+traversalName(ste.Traversal, 2)+"}")
	}
	want := [][]string{
		{"/", "${var.app_name}", "/", "${var.environment}", "/alarm-topic-key"},
		{"/", "${var.app_name}", "/", "${each.key}", "/alarm-topic-key"},
	}
	if !slices.ContainsFunc(want, func(w []string) bool { return slices.Equal(w, parts) }) {
		return fmt.Errorf("%s: name is %v, want /<app_name>/<environment>/alarm-topic-key", what, parts)
	}
	return nil
}

// alarmTopicKeyPolicyIsNarrow: the key policy's only statements are the
// account's administration and CloudWatch's and SNS's use of the key,
// conditioned on this account.
func alarmTopicKeyPolicyIsNarrow(stacks map[string]*module) error {
	bootstrap := stacks["bootstrap"]
	docs := bootstrap.blocks("data", "aws_iam_policy_document", "alarm_topic_key")
	if len(docs) != 1 {
		return errors.New("bootstrap needs one data aws_iam_policy_document.alarm_topic_key")
	}
	statements := nested(docs[0], "statement")
	if len(statements) != 2 {
		return fmt.Errorf("the alarm topic key policy has %d statements, want the account's and the services'", len(statements))
	}
	for _, st := range statements {
		sid, _ := literal(attr(st, "sid"))
		switch {
		case sid.Type() == cty.String && sid.AsString() == "AccountAdministers":
			if !isLiteral(attr(st, "actions"), cty.TupleVal([]cty.Value{cty.StringVal("kms:*")})) {
				return errors.New("AccountAdministers must let the account administer the key (kms:*), or no one can")
			}
		case sid.Type() == cty.String && sid.AsString() == "AlarmsPublishToTheTopic":
			if !isLiteral(attr(st, "actions"), cty.TupleVal([]cty.Value{cty.StringVal("kms:Decrypt"), cty.StringVal("kms:GenerateDataKey*")})) {
				return errors.New("AlarmsPublishToTheTopic may only decrypt and generate data keys")
			}
			principals := nested(st, "principals")
			if len(principals) != 1 || !isLiteral(attr(principals[0], "type"), cty.StringVal("Service")) ||
				!isLiteral(attr(principals[0], "identifiers"), cty.TupleVal([]cty.Value{cty.StringVal("cloudwatch.amazonaws.com"), cty.StringVal("sns.amazonaws.com")})) {
				return errors.New("AlarmsPublishToTheTopic must name CloudWatch and SNS as the only principals")
			}
			conditions := nested(st, "condition")
			if len(conditions) != 1 || !isLiteral(attr(conditions[0], "test"), cty.StringVal("StringEquals")) ||
				!isLiteral(attr(conditions[0], "variable"), cty.StringVal("aws:SourceAccount")) ||
				!isLiteralList(attr(conditions[0], "values"), "local.account_id") {
				return errors.New("AlarmsPublishToTheTopic must require aws:SourceAccount StringEquals this account")
			}
		default:
			return fmt.Errorf("the alarm topic key policy has an unexpected statement %v", sid)
		}
	}
	return nil
}

// deploymentAlarmsRollBack: the service's alarms block is enabled and rolls
// back, literally, on the stack's own target-5xx and latency-p99 alarms.
func deploymentAlarmsRollBack(stacks map[string]*module) error {
	services := stacks["service"].resources("aws_ecs_service")
	if len(services) == 0 {
		return errors.New("no aws_ecs_service")
	}
	for _, svc := range services {
		blocks := nested(svc, "alarms")
		if len(blocks) != 1 {
			return fmt.Errorf("aws_ecs_service.%s needs one alarms block", svc.Labels[1])
		}
		alarms := blocks[0]
		if !isLiteral(attr(alarms, "enable"), cty.True) || !isLiteral(attr(alarms, "rollback"), cty.True) {
			return fmt.Errorf("aws_ecs_service.%s: the deployment alarms must literally be enabled and roll back", svc.Labels[1])
		}
		names, ok := attr(alarms, "alarm_names").(*hclsyntax.TupleConsExpr)
		if !ok {
			return fmt.Errorf("aws_ecs_service.%s: alarm_names must list the alarms", svc.Labels[1])
		}
		var got []string
		for _, e := range names.Exprs {
			ste, ok := e.(*hclsyntax.ScopeTraversalExpr)
			if !ok {
				return fmt.Errorf("aws_ecs_service.%s: alarm_names must reference the stack's alarms, so that they exist before ECS watches them", svc.Labels[1])
			}
			got = append(got, traversalName(ste.Traversal, 3))
		}
		slices.Sort(got)
		if want := []string{"aws_cloudwatch_metric_alarm.latency_p99.alarm_name", "aws_cloudwatch_metric_alarm.target_5xx.alarm_name"}; !slices.Equal(got, want) {
			return fmt.Errorf("aws_ecs_service.%s rolls back on %v, want %v", svc.Labels[1], got, want)
		}
	}
	return nil
}

// alarmsNotifyTheTopic: every alarm of the service stack sends ALARM and OK
// to local.alarm_topic_arn, with actions on, and that local is the stack's
// topic or the one alarm_topic_arn names.
func alarmsNotifyTheTopic(stacks map[string]*module) error {
	service := stacks["service"]
	alarms := service.resources("aws_cloudwatch_metric_alarm")
	if len(alarms) != 4 {
		return fmt.Errorf("the service stack has %d alarms, want the contract's 4", len(alarms))
	}
	for _, alarm := range alarms {
		for _, actions := range []string{"alarm_actions", "ok_actions"} {
			if !isLiteralList(attr(alarm, actions), "local.alarm_topic_arn") {
				return fmt.Errorf("aws_cloudwatch_metric_alarm.%s: %s must be [local.alarm_topic_arn]", alarm.Labels[1], actions)
			}
		}
		if enabled := attr(alarm, "actions_enabled"); enabled != nil && !isLiteral(enabled, cty.True) {
			return fmt.Errorf("aws_cloudwatch_metric_alarm.%s turns its actions off", alarm.Labels[1])
		}
	}
	refs := service.references(service.local("alarm_topic_arn"))
	for ref := range refs {
		if !slices.Contains([]string{"local.create_alarm_topic", "local.alarm_topic_arn", "aws_sns_topic.alarm", "var.alarm_topic_arn"}, ref) {
			return fmt.Errorf("local.alarm_topic_arn references %s; want the stack's topic or var.alarm_topic_arn", ref)
		}
	}
	if !refs["aws_sns_topic.alarm"] {
		return errors.New("local.alarm_topic_arn is not the stack's aws_sns_topic.alarm")
	}
	return nil
}

// isTraversalTo reports whether expr is a reference to name (three steps
// for a data source, two for a resource), with any index (each.key, 0) and
// attributes after it, and nothing else.
func isTraversalTo(expr hclsyntax.Expression, name string) bool {
	if expr == nil {
		return false
	}
	switch expr.(type) {
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.RelativeTraversalExpr, *hclsyntax.IndexExpr:
	default:
		return false
	}
	found := false
	for _, tr := range expr.Variables() {
		steps := 2
		if tr.RootName() == "data" {
			steps = 3
		}
		switch traversalName(tr, steps) {
		case name:
			found = true
		case "each.key":
		default:
			return false
		}
	}
	return found
}

// isLiteralList reports whether expr is a list of exactly one reference to
// name.
func isLiteralList(expr hclsyntax.Expression, name string) bool {
	tuple, ok := expr.(*hclsyntax.TupleConsExpr)
	return ok && len(tuple.Exprs) == 1 && isTraversal(tuple.Exprs[0], name)
}
