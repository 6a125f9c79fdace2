package infra_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// stackCall is one IAM action a deploy of one environment makes, on a
// sample ARN of the resource IAM authorises it on ("*" for the actions IAM
// authorises on no narrower resource), and who makes it. "<app>-<env>" in
// the ARN stands for the environment's name, "<bucket>" for the state
// bucket.
type stackCall struct {
	action, arn, caller string
}

// resourceCalls are the calls a first deploy, an update and a destroy of
// one environment make through the deploy role: the hashicorp/aws
// provider's for each resource of infra/*.tf and infra/registry (read from
// its source), with every optional resource on (optionalBlocks), and the
// pipeline's own (ci/cloud, ci/supply.go). A call missing from the policy
// fails the first real deploy, which neither the emulator (it enforces no
// IAM) nor a plan would show. Each sends what deployCallSends lists for its
// action.
var resourceCalls = []stackCall{
	// aws_ecs_service with wait_for_steady_state: provider v6 follows a new
	// deployment through the service-deployments API
	// (internal/service/ecs/service.go, statusServiceWaitForStable).
	{"ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service (with its alarms deployment configuration)"},
	{"ecs:UpdateService", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service (with its alarms deployment configuration)"},
	{"ecs:DeleteService", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service"},
	{"ecs:DescribeServices", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service, ci/cloud WaitStable"},
	{"ecs:ListServiceDeployments", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service wait_for_steady_state"},
	{"ecs:DescribeServiceDeployments", "ecs:service-deployment/<app>-<env>/<app>-<env>/aBcD1234", "aws_ecs_service wait_for_steady_state"},
	{"ecs:CreateCluster", "ecs:cluster/<app>-<env>", "aws_ecs_cluster"},
	{"ecs:DescribeClusters", "ecs:cluster/<app>-<env>", "aws_ecs_cluster"},
	{"ecs:DeleteCluster", "ecs:cluster/<app>-<env>", "aws_ecs_cluster"},
	{"ecs:RegisterTaskDefinition", "ecs:task-definition/<app>-<env>:1", "aws_ecs_task_definition"},
	{"ecs:DescribeTaskDefinition", "*", "aws_ecs_task_definition, ci/cloud WaitStable"},
	{"ecs:DeregisterTaskDefinition", "*", "aws_ecs_task_definition"},
	{"ecs:ListTagsForResource", "ecs:service/<app>-<env>/<app>-<env>", "tags of the ECS resources"},
	{"ecs:TagResource", "*", "tags of a new cluster, service or task definition (ecs:CreateAction)"},
	{"iam:PassRole", "iam:role/<app>-<env>-task", "aws_ecs_task_definition"},
	{"iam:PassRole", "iam:role/<app>-<env>-execution", "aws_ecs_task_definition"},
	{"iam:CreateRole", "iam:role/<app>-<env>-task", "aws_iam_role"},
	{"iam:TagRole", "iam:role/<app>-<env>-task", "aws_iam_role (CreateRole's tags)"},
	{"iam:GetRole", "iam:role/<app>-<env>-task", "aws_iam_role"},
	{"iam:ListRolePolicies", "iam:role/<app>-<env>-task", "aws_iam_role"},
	{"iam:ListAttachedRolePolicies", "iam:role/<app>-<env>-task", "aws_iam_role"},
	{"iam:ListInstanceProfilesForRole", "iam:role/<app>-<env>-task", "aws_iam_role destroy"},
	{"iam:DeleteRole", "iam:role/<app>-<env>-task", "aws_iam_role destroy"},
	{"iam:PutRolePolicy", "iam:role/<app>-<env>-execution", "aws_iam_role_policy"},
	{"iam:GetRolePolicy", "iam:role/<app>-<env>-execution", "aws_iam_role_policy"},
	{"iam:DeleteRolePolicy", "iam:role/<app>-<env>-execution", "aws_iam_role_policy"},
	{"iam:CreateServiceLinkedRole", "iam:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", "first use of ECS in the account"},
	{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb"},
	{"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb"},
	{"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb.this access_logs (alb_access_logs_enabled)"},
	{"elasticloadbalancing:DescribeLoadBalancers", "*", "aws_lb"},
	{"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb"},
	{"elasticloadbalancing:AddTags", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb, aws_lb_target_group (tag changes)"},
	{"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:targetgroup/<app>-<env>/0123abcd", "aws_lb_target_group"},
	{"elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:targetgroup/<app>-<env>/0123abcd", "aws_lb_target_group"},
	{"elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:targetgroup/<app>-<env>/0123abcd", "aws_lb_target_group"},
	{"elasticloadbalancing:CreateListener", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb_listener.http"},
	{"elasticloadbalancing:CreateListener", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd", "aws_lb_listener.https (certificate_arn)"},
	{"elasticloadbalancing:ModifyListener", "elasticloadbalancing:listener/app/<app>-<env>/0123abcd/4567ef", "aws_lb_listener.http redirect (certificate_arn added later)"},
	{"elasticloadbalancing:DeleteListener", "elasticloadbalancing:listener/app/<app>-<env>/0123abcd/4567ef", "aws_lb_listener.https (certificate_arn removed)"},
	{"application-autoscaling:RegisterScalableTarget", "application-autoscaling:scalable-target/0123abcd", "aws_appautoscaling_target"},
	{"application-autoscaling:DescribeScalableTargets", "*", "aws_appautoscaling_target"},
	{"application-autoscaling:PutScalingPolicy", "application-autoscaling:scalable-target/0123abcd", "aws_appautoscaling_policy"},
	{"application-autoscaling:DeleteScalingPolicy", "application-autoscaling:scalable-target/0123abcd", "aws_appautoscaling_policy"},
	{"application-autoscaling:DeregisterScalableTarget", "application-autoscaling:scalable-target/0123abcd", "aws_appautoscaling_target"},
	{"cloudwatch:DescribeAlarms", "cloudwatch:alarm:TargetTracking-service/<app>-<env>/<app>-<env>-AlarmHigh-0123", "target tracking"},
	{"cloudwatch:DeleteAlarms", "cloudwatch:alarm:TargetTracking-service/<app>-<env>/<app>-<env>-AlarmHigh-0123", "target tracking (a policy deleted)"},
	{"cloudwatch:PutMetricAlarm", "cloudwatch:alarm:TargetTracking-service/<app>-<env>/<app>-<env>-AlarmHigh-0123", "target tracking"},
	{"logs:CreateLogGroup", "logs:log-group:/ecs/<app>-<env>", "aws_cloudwatch_log_group"},
	{"logs:PutRetentionPolicy", "logs:log-group:/ecs/<app>-<env>", "aws_cloudwatch_log_group"},
	{"logs:DeleteLogGroup", "logs:log-group:/ecs/<app>-<env>", "aws_cloudwatch_log_group"},
	{"logs:DescribeLogGroups", "*", "aws_cloudwatch_log_group"},
	{"logs:FilterLogEvents", "logs:log-group:/ecs/<app>-<env>:*", "the pipeline's logs of a failed deploy (ci/cloud)"},
	{"logs:GetLogEvents", "logs:log-group:/ecs/<app>-<env>:log-stream:api/api/0123", "the pipeline's logs of a stopped task (ci/cloud)"},
	{"logs:DescribeLogStreams", "logs:log-group:/ecs/<app>-<env>:*", "the pipeline's logs (ci/cloud)"},
	{"logs:StartLiveTail", "logs:log-group:/ecs/<app>-<env>", "the pipeline's live logs (ci/cloud)"},
	{"ecs:ListTasks", "ecs:container-instance/<app>-<env>/0123", "the pipeline's status (ci/cloud)"},
	{"ecs:DescribeTasks", "ecs:task/<app>-<env>/0123", "the pipeline's status and diagnosis (ci/cloud)"},
	{"elasticloadbalancing:DescribeTargetHealth", "*", "the pipeline's diagnosis (ci/cloud)"},
	{"application-autoscaling:DescribeScalingActivities", "*", "the pipeline's status (ci/cloud)"},
	{"ecr:DescribeImages", "ecr:repository/<app>-<env>", "the pipeline's history and rollback (ci/cloud)"},
	{"s3:PutObject", "s3:<bucket>/<app>/<env>/history/0001.json", "the deploy history (ci/cloud)"},
	{"s3:ListBucket", "s3:<bucket>", "the deploy history listing and the preflight's state bucket check, under <app>/<env>/ (ci/cloud)"},
	{"ssm:GetParameter", "ssm:parameter/<app>/<env>/network", "data aws_ssm_parameter.network (bootstrap's network), the preflight's bootstrap outputs check"},
	{"ssm:GetParameter", "ssm:parameter/<app>/<env>/alarm-topic-key", "data aws_ssm_parameter.alarm_topic_key, the preflight's bootstrap outputs check"},
	{"ec2:DescribeNetworkInterfaces", "*", "aws_lb destroy (the network interfaces a load balancer leaves)"},
	{"s3:CreateBucket", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log"},
	{"s3:GetBucketAcl", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log (read after create, and the other GetBucket* reads)"},
	{"s3:GetBucketPolicy", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_policy.log"},
	{"s3:PutBucketPolicy", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_policy.log"},
	{"s3:PutBucketPublicAccessBlock", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_public_access_block.log"},
	{"s3:PutBucketOwnershipControls", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_ownership_controls.log"},
	{"s3:PutLifecycleConfiguration", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_lifecycle_configuration.log"},
	{"s3:PutEncryptionConfiguration", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_server_side_encryption_configuration.log"},
	{"s3:ListBucketVersions", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log force_destroy"},
	{"s3:DeleteObjectVersion", "s3:<app>-<env>-logs-123456789012/AWSLogs/x", "aws_s3_bucket.log force_destroy"},
	{"s3:DeleteBucket", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log"},
	// The registry stack and the pipeline's own calls.
	{"ecr:CreateRepository", "ecr:repository/<app>-<env>", "aws_ecr_repository"},
	{"ecr:DescribeRepositories", "ecr:repository/<app>-<env>", "aws_ecr_repository"},
	{"ecr:DeleteRepository", "ecr:repository/<app>-<env>", "aws_ecr_repository"},
	{"ecr:PutLifecyclePolicy", "ecr:repository/<app>-<env>", "aws_ecr_lifecycle_policy"},
	{"ecr:GetAuthorizationToken", "*", "ci/cloud ECRLogin"},
	{"ecr:PutImage", "ecr:repository/<app>-<env>", "publish, signature and SBOM referrers"},
	{"ecr:BatchGetImage", "ecr:repository/<app>-<env>", "referrers API (ListImageReferrers needs it), verify"},
	{"s3:GetObject", "s3:<bucket>/<app>/<env>/service.tfstate", "S3 backend"},
	{"s3:PutObject", "s3:<bucket>/<app>/<env>/service.tfstate.tflock", "S3 backend lock"},
	{"s3:DeleteObject", "s3:<bucket>/<app>/<env>/service.tfstate.tflock", "S3 backend unlock"},
}

// neededCall is a call a role must be allowed, with what it sends.
type neededCall struct {
	stackCall
	sends request
}

// sendingAsListed gives each call what deployCallSends lists for its action.
func sendingAsListed(calls []stackCall) []neededCall {
	out := make([]neededCall, 0, len(calls))
	for _, c := range calls {
		out = append(out, neededCall{c, deployCallSends[c.action]})
	}
	return out
}

// deployCalls are every call the deploy role must be allowed: the
// resources', the signals' (signalCalls), and the calls whose request
// differs from the one deployCallSends lists for their action.
var deployCalls = slices.Concat(sendingAsListed(resourceCalls), deploySignalCalls(), []neededCall{
	// HeadBucket, which IAM authorises as s3:ListBucket, with no prefix:
	// the provider's check that the bucket exists, after create and on
	// every refresh.
	{stackCall{"s3:ListBucket", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log (HeadBucket)"}, request{}},
})

// deployCallSends is what each call of resourceCalls sends that IAM builds
// its request context from (requestContext; request says how to read the
// placeholders). A call not listed sends nothing IAM has a key for and
// acts on a resource carrying the environment's tags. The policy
// simulation (TestPolicySimulation) decides every call with it.
var deployCallSends = map[string]request{
	"ecs:CreateService": {
		creates: true, tags: ownTags,
		taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1",
		subnets:        []string{"<private-subnets>"}, publicIP: "false",
	},
	"ecs:UpdateService": {
		taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:2",
		subnets:        []string{"<private-subnets>"}, publicIP: "false",
	},
	"ecs:CreateCluster":          {creates: true, tags: ownTags},
	"ecs:RegisterTaskDefinition": {creates: true, tags: ownTags},
	"ecs:TagResource":            {creates: true, tags: ownTags, createAction: "CreateService"},
	"iam:PassRole":               {passedToService: "ecs-tasks.amazonaws.com"},
	"iam:CreateRole":             {creates: true, tags: ownTags, boundary: "<boundary>"},
	"iam:TagRole":                {creates: true, tags: ownTags},
	"iam:CreateServiceLinkedRole": {
		creates: true, serviceName: "ecs.amazonaws.com",
	},
	"elasticloadbalancing:CreateLoadBalancer": {
		creates: true, tags: ownTags,
		subnets: []string{"<public-subnets>"}, securityGroups: []string{"<lb-security-group>"},
	},
	"elasticloadbalancing:CreateTargetGroup": {creates: true, tags: ownTags},
	"elasticloadbalancing:CreateListener":    {creates: true, tags: ownTags},
	"elasticloadbalancing:AddTags":           {tags: ownTags},
	"application-autoscaling:RegisterScalableTarget": {
		creates: true, tags: ownTags,
		scalingNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount",
	},
	"cloudwatch:PutMetricAlarm": {
		alarmActions: []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0123:resource/ecs/service/<app>-<env>/<app>-<env>:policyName/cpu"},
	},
	"logs:CreateLogGroup":  {creates: true, tags: ownTags},
	"ecr:CreateRepository": {creates: true, tags: ownTags},
	"s3:CreateBucket":      {creates: true},
	"s3:ListBucket":        {prefix: new("<app>/<env>/history/")},
}

// TestDeployRolesGrantWhatTheStacksCall checks each call against every
// environment's rendered policy. It over-approximates conditions (an Allow
// counts whatever its conditions), so it proves an action is granted on
// the resource, not that a tag condition holds: the other invariants
// cover that.
func TestDeployRolesGrantWhatTheStacksCall(t *testing.T) {
	t.Parallel()
	all, err := deployments(loadStacks(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		for _, c := range deployCalls {
			arn := sampleARN(c.arn, d.app, d.env)
			if !effectivelyAllows(d.deploy, c.action, arn) {
				t.Errorf("app_name %q, environment %q: the deploy role may not %s on %s, which %s calls", d.app, d.env, c.action, arn, c.caller)
			}
		}
	}
}

// sampleARN expands "service:rest" into a full ARN in the test account and
// region (S3 and IAM ARNs have neither or only the account, and
// "service::rest" names a resource of no region, such as a dashboard).
func sampleARN(pattern, app, env string) string {
	if pattern == "*" {
		return "*"
	}
	pattern = strings.NewReplacer("<app>", app, "<env>", env, "<bucket>", testStateBucket).Replace(pattern)
	svc, rest, _ := strings.Cut(pattern, ":")
	if global, ok := strings.CutPrefix(rest, ":"); ok { // "cloudwatch::dashboard/...": no region
		return "arn:aws:" + svc + "::" + testAccountID + ":" + global
	}
	switch svc {
	case "s3":
		return "arn:aws:s3:::" + rest
	case "iam":
		return "arn:aws:iam::" + testAccountID + ":" + rest
	}
	return "arn:aws:" + svc + ":us-east-1:" + testAccountID + ":" + rest
}

// optionalBlocks are the blocks of the service and registry stacks that a
// setting turns on, by address: every resource and data source with count
// or for_each, and every dynamic block ("<address> <block type>"). The
// needed calls must cover each with its setting on, or a deploy or a drift
// check with that setting fails on a call nobody simulated (issue 18
// finding 1: HeadBucket of the access-log bucket).
func optionalBlocks(stacks map[string]*module) []string {
	var found []string
	for _, stack := range []string{"service", "registry"} {
		for _, kind := range []string{"resource", "data"} {
			for _, b := range stacks[stack].blocks(kind) {
				address := strings.Join(b.Labels, ".")
				if kind == "data" {
					address = "data." + address
				}
				if attr(b, "count") != nil || attr(b, "for_each") != nil {
					found = append(found, address)
				}
				for _, d := range dynamicBlocks(b.Body) {
					found = append(found, address+" "+d)
				}
			}
		}
	}
	return found
}

// dynamicBlocks are the names of the dynamic blocks in body, at any depth.
func dynamicBlocks(body *hclsyntax.Body) []string {
	var names []string
	for _, b := range body.Blocks {
		if b.Type == "dynamic" && len(b.Labels) == 1 {
			names = append(names, b.Labels[0])
		}
		names = append(names, dynamicBlocks(b.Body)...)
	}
	return names
}

// optionalWithoutCalls are optional blocks that make no AWS call, and why.
var optionalWithoutCalls = map[string]string{
	"data.aws_elb_service_account.this": "the provider knows Elastic Load Balancing's account by region, without a request",
}

// uncovered are the optional blocks no call of calls names as its caller.
func uncovered(optional []string, calls []neededCall) []string {
	var missing []string
	for _, address := range optional {
		if _, none := optionalWithoutCalls[address]; none {
			continue
		}
		if !slices.ContainsFunc(calls, func(c neededCall) bool { return strings.Contains(c.caller, address) }) {
			missing = append(missing, address)
		}
	}
	return missing
}

// TestNeededCallsCoverOptionalResources checks that the simulation's needed
// calls of the deploy role (create, change, destroy) and of the plan role
// (refresh) name every optional block of the stacks, so that each setting
// is simulated on, not only the defaults.
func TestNeededCallsCoverOptionalResources(t *testing.T) {
	t.Parallel()
	optional := optionalBlocks(loadStacks(t))
	if len(optional) == 0 {
		t.Fatal("found no optional block in the service and registry stacks")
	}
	for _, role := range []struct {
		name  string
		calls []neededCall
	}{{"deploy role", deployCalls}, {"plan role", planCalls}} {
		for _, address := range uncovered(optional, role.calls) {
			t.Errorf("%s: no needed call names %s, which a setting turns on: add its calls (caller %q) to the simulation", role.name, address, address)
		}
		// The check must see a setting's calls go: without alarm_email's.
		without := slices.DeleteFunc(slices.Clone(role.calls), func(c neededCall) bool {
			return strings.Contains(c.caller, "aws_sns_topic_subscription.alarm_email")
		})
		if !slices.Contains(uncovered(optional, without), "aws_sns_topic_subscription.alarm_email") {
			t.Errorf("%s: dropping alarm_email's calls went unnoticed", role.name)
		}
	}
	t.Logf("%d optional blocks, each named by a needed call of both roles or making none: %v", len(optional), optional)
}
