package infra_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// victimKind is whose resources an attack goes after.
type victimKind int

const (
	ownEnvironment   victimKind = iota // the caller's own environment
	otherEnvironment                   // the same app's other environment
	overlappingApp                     // the same environment of the app whose name overlaps (goship <-> goship-dev)
)

// attack is one call a deploy role must not be able to make. arn and r use
// request's placeholders; decidedBy is the statement that must decide it:
// a Sid of an explicit Deny, or "implicit" when no Allow matches.
type attack struct {
	finding   string
	name      string
	victim    victimKind
	action    string
	arn       string
	r         request
	decidedBy string
}

// attacks are every call the simulation must see denied to the deploy
// role, in the order of docs/security.md's table.
var attacks = slices.Concat(earlierAttacks, signalAttacks)

// earlierAttacks are the red team's calls: issue 13's findings, the ones
// earlier reviews closed, and the classic paths to more privilege.
var earlierAttacks = []attack{
	// Finding 1: a service or load balancer in another environment's network.
	{"13.1", "run our service in the other environment's subnets", otherEnvironment, "ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{creates: true, tags: ownTags, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1", subnets: []string{"<vprivate-subnets>"}, publicIP: "false"}, "implicit"},
	{"13.1", "run our service in our subnets and one of the other environment's", otherEnvironment, "ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{creates: true, tags: ownTags, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1", subnets: []string{"<private-subnets>", "<vpublic-subnets>"}, publicIP: "false"}, "implicit"},
	{"13.1", "move our service into the other environment's subnets", otherEnvironment, "ecs:UpdateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{subnets: []string{"<vprivate-subnets>"}, publicIP: "false"}, "implicit"},
	{"13.1", "a service whose tasks get public IPs", ownEnvironment, "ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{creates: true, tags: ownTags, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1", subnets: []string{"<private-subnets>"}, publicIP: "true"}, "implicit"},
	{"13.1", "a service that names no subnets", ownEnvironment, "ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{creates: true, tags: ownTags, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1", publicIP: "false"}, "implicit"},
	{"13.1", "our load balancer in the other environment's subnets", otherEnvironment, "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd",
		request{creates: true, tags: ownTags, subnets: []string{"<vpublic-subnets>"}, securityGroups: []string{"<lb-security-group>"}}, "implicit"},
	{"13.1", "our load balancer behind the other environment's security group", otherEnvironment, "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd",
		request{creates: true, tags: ownTags, subnets: []string{"<public-subnets>"}, securityGroups: []string{"<vlb-security-group>"}}, "implicit"},
	{"13.1", "our load balancer behind the other environment's service security group", otherEnvironment, "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd",
		request{securityGroups: []string{"<vservice-security-group>"}}, "implicit"},
	{"13.1", "move our load balancer into the other environment's subnets", otherEnvironment, "elasticloadbalancing:SetSubnets", "elasticloadbalancing:loadbalancer/app/<app>-<env>/0123abcd",
		request{subnets: []string{"<vpublic-subnets>"}}, "implicit"},
	{"13.1", "read the other environment's network", otherEnvironment, "ssm:GetParameter", "ssm:parameter/<vapp>/<venv>/network", request{}, "implicit"},
	// Finding 5: adopting security groups, private DNS of any VPC.
	{"13.5", "tag an untagged default security group as ours", ownEnvironment, "ec2:CreateTags", "ec2:security-group/sg-0123456789abcdef0", request{tags: ownTags, targetUntagged: true}, "implicit"},
	{"13.5", "open a security group to the internet", ownEnvironment, "ec2:AuthorizeSecurityGroupIngress", "ec2:security-group/sg-0123456789abcdef0", request{}, "implicit"},
	{"13.5", "join a VPC to a private hosted zone", ownEnvironment, "route53:AssociateVPCWithHostedZone", "*", request{}, "implicit"},
	// Finding 9: what outlives the role.
	{"13.9", "flow logs to a bucket of another account", ownEnvironment, "ec2:CreateFlowLogs", "ec2:vpc-flow-log/fl-0123", request{creates: true, tags: ownTags}, "implicit"},
	{"13.9", "an endpoint to any PrivateLink service", ownEnvironment, "ec2:CreateVpcEndpoint", "ec2:vpc-endpoint/vpce-0123", request{creates: true, tags: ownTags}, "implicit"},
	// Finding 2: other applications' roles.
	{"13.2", "put our boundary on the overlapping app's role", overlappingApp, "iam:PutRolePermissionsBoundary", "iam:role/<vapp>-<venv>-task",
		request{boundary: "<boundary>", targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}, targetBoundary: "<vboundary>"}, "implicit"},
	{"13.2", "write an inline policy on the overlapping app's task role", overlappingApp, "iam:PutRolePolicy", "iam:role/<vapp>-<venv>-task",
		request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}, targetBoundary: "<vboundary>"}, "implicit"},
	{"13.2", "write an inline policy on the overlapping app's role once it is under our boundary", overlappingApp, "iam:PutRolePolicy", "iam:role/<vapp>-<venv>-task",
		request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}, targetBoundary: "<boundary>"}, "implicit"},
	{"13.2", "write an inline policy on a hand-made role of our name pattern", ownEnvironment, "iam:PutRolePolicy", "iam:role/<app>-<env>-handmade",
		request{targetUntagged: true, targetBoundary: "none"}, "implicit"},
	{"13.2", "write an inline policy on an untagged role under our boundary", ownEnvironment, "iam:PutRolePolicy", "iam:role/<app>-<env>-handmade",
		request{targetUntagged: true}, "implicit"},
	// Finding 3: buckets by name prefix.
	{"13.3", "read the overlapping app's Terraform state", overlappingApp, "s3:GetObject", "s3:<vbucket>/<vapp>/<venv>/service.tfstate", request{}, "implicit"},
	{"13.3", "purge the overlapping app's state versions", overlappingApp, "s3:DeleteObjectVersion", "s3:<vbucket>/<vapp>/<venv>/service.tfstate", request{}, "implicit"},
	{"13.3", "hand a hand-made bucket of our prefix to another account", ownEnvironment, "s3:PutBucketPolicy", "s3:<app>-<env>-uploads", request{}, "implicit"},
	// Finding 4: secrets in EC2 reads.
	{"13.4", "read any instance's user data", ownEnvironment, "ec2:DescribeInstanceAttribute", "ec2:instance/i-0123456789abcdef0", request{}, "implicit"},
	{"13.4", "read any launch template's user data", ownEnvironment, "ec2:DescribeLaunchTemplateVersions", "*", request{}, "implicit"},
	// Finding 6: ForAllValues on an empty set.
	{"13.6", "strip every tag of an own VPC resource (DeleteTags without Tags)", ownEnvironment, "ec2:DeleteTags", "ec2:vpc/vpc-0123", request{}, "implicit"},
	{"13.6", "an own alarm with no AlarmActions", ownEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:TargetTracking-service/<app>-<env>/<app>-<env>-AlarmHigh", request{noAlarmActions: true}, "implicit"},
	{"13.6", "an own alarm that scales another team's service", ownEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:TargetTracking-service/<app>-<env>/<app>-<env>-AlarmHigh",
		request{alarmActions: []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0123:resource/ecs/service/payments/payments:policyName/cpu"}}, "implicit"},
	// Finding 7: DeleteAlarms, whose key did not apply.
	{"13.7", "delete another environment's alarms", otherEnvironment, "cloudwatch:DeleteAlarms", "cloudwatch:alarm:TargetTracking-service/<vapp>-<venv>/<vapp>-<venv>-AlarmHigh", request{}, "implicit"},
	// Closed by earlier reviews: the deploy roles, boundaries and state.
	{"earlier", "rewrite another environment's deploy role", otherEnvironment, "iam:PutRolePolicy", "iam:role/github-deploy/<vapp>-<venv>", request{}, "DenyChangingDeployRolesAndBoundaries"},
	{"earlier", "rewrite its own deploy role", ownEnvironment, "iam:PutRolePolicy", "iam:role/github-deploy/<app>-<env>", request{}, "DenyChangingDeployRolesAndBoundaries"},
	{"earlier", "widen its own boundary", ownEnvironment, "iam:CreatePolicyVersion", "iam:policy/github-deploy/<app>-<env>-boundary", request{}, "DenyChangingDeployRolesAndBoundaries"},
	{"earlier", "free its task role from the boundary", ownEnvironment, "iam:DeleteRolePermissionsBoundary", "iam:role/<app>-<env>-task", request{}, "DenyRemovingAnyBoundary"},
	{"earlier", "a role under a path of its name", ownEnvironment, "iam:CreateRole", "iam:role/<app>-<env>-x/admin", request{creates: true, tags: ownTags, boundary: "<boundary>"}, "DenyRolesUnderAPath"},
	{"earlier", "a role without the boundary", ownEnvironment, "iam:CreateRole", "iam:role/<app>-<env>-admin", request{creates: true, tags: ownTags}, "implicit"},
	{"earlier", "a role under another environment's boundary", otherEnvironment, "iam:CreateRole", "iam:role/<app>-<env>-admin", request{creates: true, tags: ownTags, boundary: "<vboundary>"}, "implicit"},
	{"earlier", "read another environment's state", otherEnvironment, "s3:GetObject", "s3:<bucket>/<vapp>/<venv>/service.tfstate", request{}, "implicit"},
	{"earlier", "write another environment's deploy history", otherEnvironment, "s3:PutObject", "s3:<bucket>/<vapp>/<venv>/history/0001.json", request{}, "implicit"},
	{"earlier", "list another environment's state", otherEnvironment, "s3:ListBucket", "s3:<bucket>", request{prefix: new("<vapp>/<venv>/")}, "implicit"},
	{"earlier", "turn off the state bucket's versioning", ownEnvironment, "s3:PutBucketVersioning", "s3:<bucket>", request{}, "DenyChangingTheStateBucket"},
	{"earlier", "replace the state bucket's policy", ownEnvironment, "s3:PutBucketPolicy", "s3:<bucket>", request{}, "DenyChangingTheStateBucket"},
	// Classic escalations.
	{"escalation", "attach an AWS managed policy to its task role", ownEnvironment, "iam:AttachRolePolicy", "iam:role/<app>-<env>-task", request{}, "implicit"},
	{"escalation", "a new version of any customer policy", ownEnvironment, "iam:CreatePolicyVersion", "iam:policy/payments-admin", request{}, "implicit"},
	{"escalation", "pass its task role to Lambda", ownEnvironment, "iam:PassRole", "iam:role/<app>-<env>-task", request{passedToService: "lambda.amazonaws.com"}, "implicit"},
	{"escalation", "pass its task role to EC2", ownEnvironment, "iam:PassRole", "iam:role/<app>-<env>-task", request{passedToService: "ec2.amazonaws.com"}, "implicit"},
	{"escalation", "pass another environment's task role to ECS", otherEnvironment, "iam:PassRole", "iam:role/<vapp>-<venv>-task", request{passedToService: "ecs-tasks.amazonaws.com"}, "implicit"},
	{"escalation", "run a one-off task", ownEnvironment, "ecs:RunTask", "ecs:task-definition/<app>-<env>:1", request{}, "implicit"},
	{"escalation", "a task definition of another family", otherEnvironment, "ecs:RegisterTaskDefinition", "ecs:task-definition/<vapp>-<venv>:1", request{creates: true, tags: victimTags}, "implicit"},
	{"escalation", "another environment's service runs our task definition", otherEnvironment, "ecs:UpdateService", "ecs:service/<vapp>-<venv>/<vapp>-<venv>",
		request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1"}, "implicit"},
	{"escalation", "our service runs another environment's task definition", otherEnvironment, "ecs:UpdateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<vapp>-<venv>:1"}, "implicit"},
	{"escalation", "push to another environment's repository", otherEnvironment, "ecr:PutImage", "ecr:repository/<vapp>-<venv>", request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"escalation", "delete another environment's logs", otherEnvironment, "logs:DeleteLogGroup", "logs:log-group:/ecs/<vapp>-<venv>", request{}, "implicit"},
	{"escalation", "retag another environment's load balancer as ours", otherEnvironment, "elasticloadbalancing:AddTags", "elasticloadbalancing:loadbalancer/app/<vapp>-<venv>/0123abcd",
		request{tags: ownTags, targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	// Name overlaps between goship and goship-dev, in both directions.
	{"overlap", "delete the overlapping app's cluster", overlappingApp, "ecs:DeleteCluster", "ecs:cluster/<vapp>-<venv>", request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"overlap", "delete the overlapping app's log group", overlappingApp, "logs:DeleteLogGroup", "logs:log-group:/ecs/<vapp>-<venv>", request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"overlap", "delete the overlapping app's images", overlappingApp, "ecr:BatchDeleteImage", "ecr:repository/<vapp>-<venv>", request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"overlap", "delete the overlapping app's load balancer", overlappingApp, "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:loadbalancer/app/<vapp>-<venv>/0123abcd",
		request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"overlap", "pass the overlapping app's task role", overlappingApp, "iam:PassRole", "iam:role/<vapp>-<venv>-task",
		request{passedToService: "ecs-tasks.amazonaws.com", targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}}, "implicit"},
	{"overlap", "delete the overlapping app's task role", overlappingApp, "iam:DeleteRole", "iam:role/<vapp>-<venv>-task",
		request{targetTags: map[string]string{"Application": "<vapp>", "Environment": "<venv>"}, targetBoundary: "<vboundary>"}, "implicit"},
}

// victimTags are the tags of the victim's resources.
var victimTags = map[string]string{"Application": "<vapp>", "Environment": "<venv>"}

// signalAttacks go after the service's signals (issue 18): silencing,
// deleting or rewriting an alarm, reading or subscribing to a topic that
// is not the environment's own, and the review's findings 2-5.
var signalAttacks = []attack{
	{"18", "delete another environment's service alarm", otherEnvironment, "cloudwatch:DeleteAlarms", "cloudwatch:alarm:<vapp>-<venv>-target-5xx", request{targetTags: victimTags}, "implicit"},
	{"18", "delete the overlapping app's service alarm", overlappingApp, "cloudwatch:DeleteAlarms", "cloudwatch:alarm:<vapp>-<venv>-latency-p99", request{targetTags: victimTags}, "implicit"},
	{"18", "silence its own alarm (DisableAlarmActions)", ownEnvironment, "cloudwatch:DisableAlarmActions", "cloudwatch:alarm:<app>-<env>-target-5xx", request{}, "implicit"},
	{"18", "silence another environment's alarm (DisableAlarmActions)", otherEnvironment, "cloudwatch:DisableAlarmActions", "cloudwatch:alarm:<vapp>-<venv>-target-5xx", request{targetTags: victimTags}, "implicit"},
	{"18", "force its own alarm to OK during a bake (SetAlarmState)", ownEnvironment, "cloudwatch:SetAlarmState", "cloudwatch:alarm:<app>-<env>-target-5xx", request{}, "implicit"},
	{"18", "force another environment's alarm to ALARM, rolling its deployment back", otherEnvironment, "cloudwatch:SetAlarmState", "cloudwatch:alarm:<vapp>-<venv>-latency-p99", request{targetTags: victimTags}, "implicit"},
	{"18", "force the overlapping app's alarm to ALARM", overlappingApp, "cloudwatch:SetAlarmState", "cloudwatch:alarm:<vapp>-<venv>-target-5xx", request{targetTags: victimTags}, "implicit"},
	{"18", "rewrite another environment's alarm (PutMetricAlarm over its name)", otherEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<vapp>-<venv>-target-5xx",
		request{tags: ownTags, targetTags: victimTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:<app>-<env>-alarms"}}, "implicit"},
	{"18", "rewrite the overlapping app's alarm (PutMetricAlarm over its name)", overlappingApp, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<vapp>-<venv>-target-5xx",
		request{tags: ownTags, targetTags: victimTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:<app>-<env>-alarms"}}, "implicit"},
	{"18", "an own service alarm with no actions", ownEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<app>-<env>-target-5xx", request{tags: ownTags, noAlarmActions: true}, "implicit"},
	{"18", "an own service alarm that notifies the other environment's topic", otherEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<app>-<env>-target-5xx",
		request{tags: ownTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:<vapp>-<venv>-alarms"}}, "implicit"},
	{"18", "an own service alarm that pages the other environment's team", otherEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<app>-<env>-target-5xx",
		request{tags: ownTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:paging-<vapp>-<venv>"}}, "implicit"},
	{"18", "a composite alarm that suppresses its alarms' actions", ownEnvironment, "cloudwatch:PutCompositeAlarm", "cloudwatch:alarm:<app>-<env>-suppressor",
		request{creates: true, tags: ownTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:<app>-<env>-alarms"}}, "implicit"},
	{"18", "subscribe an outside address to the other environment's topic", otherEnvironment, "sns:Subscribe", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags, protocol: "email", endpoint: "someone@example.net"}, "implicit"},
	{"18", "subscribe an outside HTTPS endpoint to the other environment's topic", otherEnvironment, "sns:Subscribe", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags, protocol: "https", endpoint: "https://example.net/hook"}, "implicit"},
	{"18", "subscribe an outside address to the overlapping app's topic", overlappingApp, "sns:Subscribe", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags, protocol: "email", endpoint: "someone@example.net"}, "implicit"},
	{"18", "subscribe to the existing paging topic it may notify", ownEnvironment, "sns:Subscribe", "sns:paging-<app>-<env>", request{protocol: "email", endpoint: "someone@example.net"}, "implicit"},
	{"18", "subscribe an HTTPS endpoint to its own topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "https", endpoint: "https://example.net/hook"}, "implicit"},
	{"18", "subscribe another account's queue to its own topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:210987654321:collector"}, "implicit"},
	{"18", "subscribe another account's function to its own topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:210987654321:function:collector"}, "implicit"},
	{"18", "subscribe another account's Firehose stream to its own topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "firehose", endpoint: "arn:aws:firehose:us-east-1:210987654321:deliverystream/collector"}, "implicit"},
	{"18", "subscribe a phone number to its own topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "sms", endpoint: "+15555550100"}, "implicit"},
	{"18", "subscribe an address to its own topic as JSON", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "email-json", endpoint: "someone@example.net"}, "implicit"},
	{"18", "let another account subscribe to its own topic (AddPermission)", ownEnvironment, "sns:AddPermission", "sns:<app>-<env>-alarms", request{}, "implicit"},
	{"18", "unsubscribe the overlapping app's on-call", overlappingApp, "sns:Unsubscribe", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags}, "implicit"},
	{"18", "change the other environment's topic (its key or policy)", otherEnvironment, "sns:SetTopicAttributes", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags}, "implicit"},
	{"18", "delete the overlapping app's topic", overlappingApp, "sns:DeleteTopic", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags}, "implicit"},
	{"18", "schedule its topic key's deletion", ownEnvironment, "kms:ScheduleKeyDeletion", "kms:key/0123abcd-4567-89ef-0123-456789abcdef", request{}, "implicit"},
	{"18", "overwrite the overlapping app's dashboard", overlappingApp, "cloudwatch:PutDashboard", "cloudwatch::dashboard/<vapp>-<venv>", request{}, "implicit"},
	{"18", "delete the other environment's dashboard", otherEnvironment, "cloudwatch:DeleteDashboards", "cloudwatch::dashboard/<vapp>-<venv>", request{}, "implicit"},
	{"18", "read metrics in another region", ownEnvironment, "cloudwatch:GetMetricData", "*", request{region: "eu-west-1"}, "implicit"},
	{"18", "read the other environment's alarm topic key parameter", otherEnvironment, "ssm:GetParameter", "ssm:parameter/<vapp>/<venv>/alarm-topic-key", request{}, "implicit"},
	{"18", "turn off another environment's deployment alarms (UpdateService)", otherEnvironment, "ecs:UpdateService", "ecs:service/<vapp>-<venv>/<vapp>-<venv>", request{targetTags: victimTags}, "implicit"},
	{"18", "turn off the overlapping app's deployment alarms (UpdateService)", overlappingApp, "ecs:UpdateService", "ecs:service/<vapp>-<venv>/<vapp>-<venv>", request{targetTags: victimTags}, "implicit"},
	// The held-out review's findings 2-5 (finding 1 is a needed call).
	{"18.2", "register a revision in the other environment's family, tagged as ours", otherEnvironment, "ecs:RegisterTaskDefinition", "ecs:task-definition/<vapp>-<venv>:7", request{creates: true, tags: ownTags}, "implicit"},
	{"18.2", "register a revision in the overlapping app's family, tagged as ours", overlappingApp, "ecs:RegisterTaskDefinition", "ecs:task-definition/<vapp>-<venv>:7", request{creates: true, tags: ownTags}, "implicit"},
	{"18.3", "create our service in the overlapping app's Service Connect namespace", overlappingApp, "ecs:CreateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{creates: true, tags: ownTags, taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1", subnets: []string{"<private-subnets>"}, publicIP: "false",
			namespace: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-<vapp>-<venv>"}, "implicit"},
	{"18.3", "move our service into the overlapping app's Service Connect namespace", overlappingApp, "ecs:UpdateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{namespace: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-<vapp>-<venv>"}, "implicit"},
	{"18.4", "read the overlapping app's task role", overlappingApp, "iam:GetRole", "iam:role/<vapp>-<venv>-task", request{targetTags: victimTags, targetBoundary: "<vboundary>"}, "implicit"},
	{"18.4", "read the overlapping app's execution role policy", overlappingApp, "iam:GetRolePolicy", "iam:role/<vapp>-<venv>-execution", request{targetTags: victimTags, targetBoundary: "<vboundary>"}, "implicit"},
	{"18.5", "register a DynamoDB table's capacity as a new scalable target", ownEnvironment, "application-autoscaling:RegisterScalableTarget", "application-autoscaling:scalable-target/0123abcd",
		request{creates: true, tags: ownTags, scalingNamespace: "dynamodb", scalableDimension: "dynamodb:table:WriteCapacityUnits"}, "implicit"},
	{"18.5", "register a Lambda's provisioned concurrency as a new scalable target", ownEnvironment, "application-autoscaling:RegisterScalableTarget", "application-autoscaling:scalable-target/0123abcd",
		request{creates: true, tags: ownTags, scalingNamespace: "lambda", scalableDimension: "lambda:function:ProvisionedConcurrency"}, "implicit"},
	{"18.5", "rewrite an own-tagged target as an RDS cluster's replicas", ownEnvironment, "application-autoscaling:RegisterScalableTarget", "application-autoscaling:scalable-target/0123abcd",
		request{tags: ownTags, scalingNamespace: "rds", scalableDimension: "rds:cluster:ReadReplicaCount"}, "implicit"},
}

// victimOf picks the deployment an attack of kind goes after when made by
// caller, from every deployment of the simulated account.
func victimOf(kind victimKind, caller deployment, all []deployment) (deployment, bool) {
	for _, d := range all {
		switch kind {
		case ownEnvironment:
			if d.app == caller.app && d.env == caller.env {
				return d, true
			}
		case otherEnvironment:
			if d.app == caller.app && d.env != caller.env {
				return d, true
			}
		case overlappingApp:
			if d.app != caller.app && d.env == caller.env {
				return d, true
			}
		}
	}
	return deployment{}, false
}

// attackCases makes every attack of list from every deployment, made by
// the role as picks of it (deployRole, or asPlanRole), each case named
// after label.
func attackCases(all []deployment, nets map[string]network, list []attack, as func(deployment) deployment, label string) ([]simCase, map[string]attack) {
	var cases []simCase
	byName := map[string]attack{}
	for _, caller := range all {
		for _, a := range list {
			victim, ok := victimOf(a.victim, caller, all)
			if !ok {
				continue
			}
			name := fmt.Sprintf("%s %s/%s on %s/%s: %s (%s)", label, caller.app, caller.env, victim.app, victim.env, a.name, a.finding)
			cases = append(cases, callCase(name, as(caller), victim, nets, a.action, a.arn, a.r))
			byName[name] = a
		}
	}
	return cases, byName
}

// deniedAsExpected reports whether r denies and names a.decidedBy among
// its deciders.
func deniedAsExpected(r simResult, a attack) bool {
	return r.Decision != "Allowed" && r.Decision != "Error" && slices.Contains(r.decidedBy(), a.decidedBy)
}

// policyMutation is an edit of one statement (by Sid) of the stored
// policies that reopens a finding: some attack must then be allowed.
type policyMutation struct {
	finding string
	sid     string
	edit    func(statement map[string]any)
}

var policyMutations = []policyMutation{
	{"13.2", "TaskRolePoliciesTagged", func(s map[string]any) { deleteCondition(s, "aws:ResourceTag/Application") }},
	{"13.2", "TaskRolesUnderBoundary", func(s map[string]any) {
		s["Action"] = []any{"iam:CreateRole", "iam:PutRolePermissionsBoundary"}
	}},
	{"13.3", "LogBuckets", func(s map[string]any) {
		resources := s["Resource"].([]any)
		first := resources[0].(string)
		s["Resource"] = []any{first[:strings.Index(first, "-logs-")] + "-*"}
	}},
	{"13.1", "EcsCreateServiceInOwnNetwork", func(s map[string]any) { deleteCondition(s, "ecs:subnet") }},
	{"13.1", "EcsCreateServiceInOwnNetwork", func(s map[string]any) { deleteCondition(s, "Bool") }},
	{"13.1", "EcsUpdateServiceInOwnNetwork", func(s map[string]any) { deleteCondition(s, "ecs:subnet") }},
	{"13.1", "LoadBalancerCreateInOwnNetwork", func(s map[string]any) { deleteCondition(s, "elasticloadbalancing:SecurityGroup") }},
	{"13.1", "LoadBalancerOwnSubnets", func(s map[string]any) { delete(s, "Condition") }},
	{"13.4", "ReadAndUnscopable", func(s map[string]any) { s["Action"] = append(s["Action"].([]any), "ec2:Describe*") }},
	{"13.6", "ScalingAlarms", func(s map[string]any) { deleteCondition(s, "Null") }},
	{"earlier", "DenyChangingTheStateBucket", func(s map[string]any) { s["Effect"] = "Allow" }},
	{"earlier", "StateBucket", func(s map[string]any) { delete(s, "Condition") }},
	{"escalation", "PassTaskRolesToEcs", func(s map[string]any) { delete(s, "Condition") }},
	// The signals' statements (issue 18): an exact name widened to the
	// "<app>-<env>-" prefix reaches application "<app>-<env>"'s signals.
	{"18", "ServiceAlarms", widenToNamePrefix},
	{"18", "ServiceAlarms", func(s map[string]any) { deleteCondition(s, "Null") }},
	{"18", "ServiceAlarms", func(s map[string]any) { deleteCondition(s, "ForAllValues:StringEquals") }},
	{"18", "ServiceAlarmsManageAndRead", widenToNamePrefix},
	{"18", "ServiceAlarmsManageAndRead", func(s map[string]any) {
		s["Action"] = append(actionsOf(s), "cloudwatch:SetAlarmState", "cloudwatch:DisableAlarmActions")
	}},
	{"18", "ScalingAlarmsDelete", func(s map[string]any) {
		setResources(s, func(r string) string {
			return r[:strings.Index(r, "TargetTracking-service/")] + "TargetTracking-service/*"
		})
	}},
	{"18", "Dashboard", widenToNamePrefix},
	{"18", "MetricData", func(s map[string]any) { delete(s, "Condition") }},
	{"18", "AlarmTopic", widenToNamePrefix},
	{"18", "AlarmTopicEmailSubscription", func(s map[string]any) { delete(s, "Condition") }},
	{"18", "AlarmTopicEmailSubscription", widenToNamePrefix},
	{"18", "AlarmTopicSubscriptions", widenToNamePrefix},
	{"18", "AlarmTopicKeyParameter", func(s map[string]any) {
		setResources(s, func(r string) string { // parameter/<app>/<env>/alarm-topic-key -> parameter/<app>/*
			r = r[:strings.LastIndex(r, "/")]
			return r[:strings.LastIndex(r, "/")] + "/*"
		})
	}},
	// The held-out review's findings 2-5 reverted.
	{"18.2", "EcsCreateTagged", func(s map[string]any) { s["Resource"] = "*" }},
	{"18.3", "EcsCreateServiceInOwnNetwork", func(s map[string]any) { deleteCondition(s, "ecs:namespace") }},
	{"18.3", "EcsUpdateServiceInOwnNetwork", func(s map[string]any) { deleteCondition(s, "ecs:namespace") }},
	{"18.4", "TaskRolesRead", func(s map[string]any) { deleteCondition(s, "aws:ResourceTag/Application") }},
	{"18.5", "ScalingCreateTagged", anyScalableTarget},
	{"18.5", "ScalingUpdateTagged", anyScalableTarget},
}

// planPolicyMutations are edits of the plan role's stored policy, each of
// which must let one of planAttacks through.
var planPolicyMutations = []policyMutation{
	{"18", "ReadThisEnvironmentsAlarms", widenToNamePrefix},
	{"18", "ReadThisEnvironmentsDashboard", widenToNamePrefix},
	{"18", "ReadThisEnvironmentsAlarmTopic", widenToNamePrefix},
	{"18", "ReadThisEnvironmentsAlarmSubscription", widenToNamePrefix},
	{"18.4", "ReadThisEnvironmentsRoles", func(s map[string]any) { deleteCondition(s, "aws:ResourceTag/Application") }},
}

// planNeededMutations are edits of the plan role's stored policy that
// revert a fix of a needed call: each must make one of planCalls Denied.
var planNeededMutations = []policyMutation{
	{"18.1", "ReadThisEnvironment", func(s map[string]any) {
		s["Action"] = slices.DeleteFunc(actionsOf(s), func(a any) bool { return a == "s3:ListBucket" })
	}},
}

// signalSuffixes end the exact names of an environment's signals
// ("<app>-<env>-target-5xx", "<app>-<env>-alarms" and its subscriptions
// "<app>-<env>-alarms:*").
var signalSuffixes = []string{"-target-5xx", "-latency-p99", "-unhealthy-hosts", "-running-tasks", "-alarms:*", "-alarms"}

// widenToNamePrefix turns each exact signal name of a statement into the
// name prefix "<app>-<env>-*" (a dashboard "<app>-<env>" into
// "<app>-<env>*"): the careless grant that also matches application
// "<app>-<env>"'s signals.
func widenToNamePrefix(s map[string]any) {
	setResources(s, func(r string) string {
		for _, suffix := range signalSuffixes {
			if strings.HasSuffix(r, suffix) {
				return strings.TrimSuffix(r, suffix) + "-*"
			}
		}
		if strings.Contains(r, ":dashboard/") {
			return r + "*"
		}
		return r
	})
}

// anyScalableTarget drops a statement's conditions on the scalable
// target's service namespace and dimension.
func anyScalableTarget(s map[string]any) {
	deleteCondition(s, "application-autoscaling:service-namespace")
	deleteCondition(s, "application-autoscaling:scalable-dimension")
}

// actionsOf is a stored statement's Action as a list (IAM stores one
// action as a string).
func actionsOf(s map[string]any) []any {
	if one, ok := s["Action"].(string); ok {
		return []any{one}
	}
	return s["Action"].([]any)
}

// setResources maps every Resource of a stored statement through edit.
func setResources(s map[string]any, edit func(string) string) {
	var resources []any
	if one, ok := s["Resource"].(string); ok {
		resources = []any{one}
	} else {
		resources = s["Resource"].([]any)
	}
	out := make([]any, 0, len(resources))
	for _, r := range resources {
		out = append(out, edit(r.(string)))
	}
	s["Resource"] = out
}

// deleteCondition removes an operator (such as "Null") or a condition key
// (in every operator) from statement.
func deleteCondition(statement map[string]any, operatorOrKey string) {
	conditions, _ := statement["Condition"].(map[string]any)
	delete(conditions, operatorOrKey)
	for _, keys := range conditions {
		if m, ok := keys.(map[string]any); ok {
			delete(m, operatorOrKey)
		}
	}
}

// mutate returns the deployment with the statement sid edited in every
// policy document that has it, and whether one had it.
func mutate(t *testing.T, d deployment, m policyMutation) (deployment, bool) {
	t.Helper()
	out := d
	out.documents = map[string]string{}
	found := false
	for name, doc := range d.documents {
		var parsed map[string]any
		if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		statements, _ := parsed["Statement"].([]any)
		for _, s := range statements {
			if st, ok := s.(map[string]any); ok && st["Sid"] == m.sid {
				m.edit(st)
				found = true
			}
		}
		edited, err := json.Marshal(parsed)
		if err != nil {
			t.Fatal(err)
		}
		out.documents[name] = string(edited)
	}
	return out, found
}

// attacksMarkdown is docs/security.md's table of the attacks the simulation
// decides, in the order of attacks.
func attacksMarkdown() string {
	victims := map[victimKind]string{ownEnvironment: "its own", otherEnvironment: "the other environment", overlappingApp: "the overlapping app (goship ↔ goship-dev)"}
	var b strings.Builder
	b.WriteString("| Finding | Attack, from every environment of `goship` and `goship-dev` | On | Call | Result, decided by |\n|---|---|---|---|---|\n")
	for _, a := range attacks {
		decider := "no Allow matches"
		if a.decidedBy != "implicit" {
			decider = "`" + a.decidedBy + "` (explicit Deny)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | Denied: %s |\n", a.finding, a.name, victims[a.victim], a.action, decider)
	}
	return b.String()
}

// TestReadmeListsTheTestedAttacks keeps the table of tested attacks in
// docs/security.md (moved there from the README) generated from the
// simulation's own list. To refresh it, paste the table this test prints.
func TestReadmeListsTheTestedAttacks(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := attacksMarkdown(); !strings.Contains(string(readme), want) {
		t.Errorf("docs/security.md's table of tested attacks is stale; replace it with:\n%s", want)
	}
}
