package infra_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// An invariant is a property of the stacks that production depends on,
// checked over the parsed HCL. broken lists edits that violate it.
type invariant struct {
	name   string
	check  func(stacks map[string]*module) error
	broken []mutation
}

var (
	serviceBlock    = []blockRef{resourceBlock("aws_ecs_service", "this")}
	targetGroup     = []blockRef{resourceBlock("aws_lb_target_group", "this")}
	taskDefinition  = []blockRef{resourceBlock("aws_ecs_task_definition", "this")}
	httpsListener   = []blockRef{resourceBlock("aws_lb_listener", "https")}
	httpListener    = []blockRef{resourceBlock("aws_lb_listener", "http")}
	repositoryBlock = []blockRef{resourceBlock("aws_ecr_repository", "this")}
	s3Backend       = []blockRef{block("terraform"), block("backend", "s3")}
)

var invariants = []invariant{
	{
		name:  "tasks get no public IP",
		check: tasksGetNoPublicIP,
		broken: []mutation{
			set("service", "ecs.tf", append(serviceBlock, block("network_configuration")), "assign_public_ip", "true"),
			set("service", "ecs.tf", append(serviceBlock, block("network_configuration")), "subnets", "local.network.public_subnet_ids"),
			set("network", "main.tf", []blockRef{resourceBlock("aws_subnet", "private")}, "map_public_ip_on_launch", "true"),
			set("network", "locals.tf", []blockRef{block("locals")}, "private_subnet_ids", "local.create_vpc ? aws_subnet.public[*].id : var.private_subnet_ids"),
		},
	},
	{
		name:  "service security group admits only the load balancer, on unprivileged ports",
		check: serviceAdmitsOnlyLoadBalancer,
		broken: []mutation{
			add("network", "debug.tf", `
resource "aws_vpc_security_group_ingress_rule" "debug" {
  security_group_id = aws_security_group.service.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 8080
  to_port           = 8080
}
`),
			set("network", "security_groups.tf", []blockRef{resourceBlock("aws_vpc_security_group_ingress_rule", "service_load_balancer")}, "from_port", "22"),
			set("network", "security_groups.tf", []blockRef{resourceBlock("aws_vpc_security_group_ingress_rule", "service_load_balancer")}, "ip_protocol", `"-1"`),
			set("network", "security_groups.tf", []blockRef{resourceBlock("aws_vpc_security_group_ingress_rule", "service_load_balancer")}, "referenced_security_group_id", "aws_security_group.endpoint[0].id"),
			set("service", "ecs.tf", append(serviceBlock, block("network_configuration")), "security_groups", "[local.network.load_balancer_security_group_id]"),
			add("service", "debug.tf", `
resource "aws_security_group" "debug" {
  vpc_id = local.network.vpc_id
}
`),
		},
	},
	{
		name:  "target group health check is GET /healthz, short interval, thresholds of 2",
		check: healthCheckIsFast,
		broken: []mutation{
			set("service", "alb.tf", append(targetGroup, block("health_check")), "path", `"/"`),
			set("service", "alb.tf", append(targetGroup, block("health_check")), "interval", "30"),
			set("service", "alb.tf", append(targetGroup, block("health_check")), "timeout", "5"),
			set("service", "alb.tf", append(targetGroup, block("health_check")), "healthy_threshold", "5"),
			set("service", "alb.tf", append(targetGroup, block("health_check")), "matcher", `"200-399"`),
			drop("service", "alb.tf", targetGroup, "health_check"),
		},
	},
	{
		name:  "deregistration delay is at most the app's drain window",
		check: deregistrationWithinDrain,
		broken: []mutation{
			set("service", "alb.tf", targetGroup, "deregistration_delay", "300"),
			set("service", "alb.tf", targetGroup, "deregistration_delay", "local.drain_window_seconds + 1"),
			unset("service", "alb.tf", targetGroup, "deregistration_delay"),
		},
	},
	{
		name:  "stopTimeout covers drain and shutdown, which the app gets from the same variables",
		check: stopTimeoutCoversDrain,
		broken: []mutation{
			set("service", "main.tf", []blockRef{block("locals")}, "stop_timeout_seconds", "10"),
			set("service", "main.tf", []blockRef{block("locals")}, "stop_timeout_seconds", "local.drain_window_seconds + 200"),
			set("service", "main.tf", []blockRef{block("locals")}, "container_environment", `merge(var.environment_variables, { DRAIN_DELAY = "30s", SHUTDOWN_TIMEOUT = "${var.shutdown_timeout_seconds}s" })`).as("DRAIN_DELAY fixed at 30s"),
		},
	},
	{
		name:  "container is read-only, non-root, unprivileged, health-checked, from var.image",
		check: containerIsHardened,
		broken: []mutation{
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, user = "65532:65532", readonlyRootFilesystem = false, healthCheck = { command = ["CMD", "/api", "healthcheck"] } }])`).as("readonlyRootFilesystem = false"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, user = "root", readonlyRootFilesystem = true, healthCheck = { command = ["CMD", "/api", "healthcheck"] } }])`).as("user = root"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, user = "65532:65532", readonlyRootFilesystem = true, privileged = true, healthCheck = { command = ["CMD", "/api", "healthcheck"] } }])`).as("privileged = true"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = "nginx:latest", user = "65532:65532", readonlyRootFilesystem = true, healthCheck = { command = ["CMD", "/api", "healthcheck"] } }])`).as("image = nginx:latest"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, user = "65532:65532", readonlyRootFilesystem = true }])`).as("no healthCheck"),
		},
	},
	{
		name:  "deployments roll back on failure, keep 100 % healthy and wait for steady state",
		check: deploymentsRollBack,
		broken: []mutation{
			set("service", "ecs.tf", append(serviceBlock, block("deployment_circuit_breaker")), "rollback", "false"),
			set("service", "ecs.tf", append(serviceBlock, block("deployment_circuit_breaker")), "enable", "false"),
			drop("service", "ecs.tf", serviceBlock, "deployment_circuit_breaker"),
			set("service", "ecs.tf", serviceBlock, "deployment_minimum_healthy_percent", "50"),
			set("service", "ecs.tf", serviceBlock, "wait_for_steady_state", "false"),
		},
	},
	{
		name:  "ECR repository is IMMUTABLE, scans on push and can be destroyed with images",
		check: repositoryIsImmutable,
		broken: []mutation{
			set("registry", "ecr.tf", repositoryBlock, "image_tag_mutability", `"MUTABLE"`),
			set("registry", "ecr.tf", append(repositoryBlock, block("image_scanning_configuration")), "scan_on_push", "false"),
			unset("registry", "ecr.tf", repositoryBlock, "force_delete"),
			drop("registry", "ecr.tf", repositoryBlock, "encryption_configuration"),
		},
	},
	{
		name:  "image variable rejects tags",
		check: imageRejectsTags,
		broken: []mutation{
			set("service", "variables.tf", []blockRef{block("variable", "image"), block("validation")}, "condition", `can(regex("^.+$", var.image))`),
			set("service", "variables.tf", []blockRef{block("variable", "image"), block("validation")}, "condition", `can(regex("@sha256:", var.image))`),
			drop("service", "variables.tf", []blockRef{block("variable", "image")}, "validation"),
		},
	},
	{
		name:  "HTTPS appears only with a certificate, and then HTTP redirects",
		check: httpsOnlyWithCertificate,
		broken: []mutation{
			set("service", "alb.tf", httpsListener, "count", "1"),
			set("service", "alb.tf", append(httpListener, block("default_action")), "type", `"forward"`),
			set("service", "alb.tf", httpsListener, "ssl_policy", `"ELBSecurityPolicy-2016-08"`),
		},
	},
	{
		name:  "S3 backends lock with use_lockfile and encrypt",
		check: backendsLock,
		broken: []mutation{
			set("service", "terraform.tf", s3Backend, "use_lockfile", "false"),
			unset("registry", "terraform.tf", s3Backend, "use_lockfile"),
			unset("service", "terraform.tf", s3Backend, "encrypt"),
			unset("bootstrap", "terraform.tf", s3Backend, "use_lockfile"),
			set("bootstrap", "terraform.tf", s3Backend, "encrypt", "false"),
		},
	},
	{
		name:  "deploy roles write IAM only under the permissions boundary",
		check: checkDeployments(iamWritesUnderBoundary),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "TaskRolesUnderBoundary", "iam:PermissionsBoundary"),
			setCondition("iam.tf", "deploy", "TaskRolesUnderBoundary", "iam:PermissionsBoundary", "values", `["arn:aws:iam::aws:policy/AdministratorAccess"]`),
			setStatement("iam.tf", "deploy", "TaskRolesRead", "actions", `["iam:GetRole", "iam:UpdateAssumeRolePolicy"]`),
			setStatement("iam.tf", "deploy", "TaskRolesRead", "actions", `["iam:*"]`),
			setStatement("iam.tf", "deploy", "TaskRolesDeleteTagged", "actions", `["iam:DeleteRole", "iam:AttachRolePolicy"]`),
			dropCondition("iam.tf", "deploy", "TaskRolesDeleteTagged", "aws:ResourceTag/Environment"),
			dropCondition("iam.tf", "deploy", "ServiceLinkedRoles", "iam:AWSServiceName"),
			setStatement("iam.tf", "deploy", "TaskRolePoliciesTagged", "actions", `["iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]`),
			dropCondition("iam.tf", "deploy", "TaskRolePoliciesTagged", "iam:PermissionsBoundary"),
		},
	},
	{
		name:  "no Allow reaches a deploy role or a boundary, for every valid app_name",
		check: checkDeployments(noAllowReachesDeployRoles),
		broken: []mutation{
			{
				name:  `deploy role named "github-deploy-<app>-<env>" at path "/"`,
				stack: "bootstrap",
				file:  "iam.tf",
				path:  []blockRef{resourceBlock("aws_iam_role", "deploy")},
				edit: func(body *hclwrite.Body) error {
					name, err := exprTokens(`"github-deploy-${var.app_name}-${each.key}"`)
					if err != nil {
						return err
					}
					body.SetAttributeRaw("name", name)
					body.SetAttributeValue("path", cty.StringVal("/"))
					return nil
				},
			},
			setStatement("iam.tf", "deploy", "TaskRolesRead", "resources", `["${local.arn_prefix.iam}:role/*"]`),
			setStatement("iam.tf", "deploy", "TaskRolesRead", "resources", `["${local.arn_prefix.iam}:policy/*"]`),
			setStatement("iam.tf", "deploy", "ServiceLinkedRoles", "resources", `["${local.arn_prefix.iam}:role/*"]`),
		},
	},
	{
		name:  "an unconditional Deny protects deploy roles and boundaries, and every boundary stays on",
		check: checkDeployments(denyProtectsDeployRoles),
		broken: []mutation{
			dropStatement("iam.tf", "deploy", "DenyChangingDeployRolesAndBoundaries"),
			setStatement("iam.tf", "deploy", "DenyChangingDeployRolesAndBoundaries", "actions", `["iam:PutRolePolicy", "iam:AttachRolePolicy"]`),
			setStatement("iam.tf", "deploy", "DenyChangingDeployRolesAndBoundaries", "resources", `["${local.arn_prefix.iam}:role${local.deploy_path}*"]`),
			addCondition("iam.tf", "deploy", "DenyChangingDeployRolesAndBoundaries", "StringEquals", "aws:RequestedRegion", `[var.region]`),
			dropStatement("iam.tf", "deploy", "DenyRemovingAnyBoundary"),
		},
	},
	{
		name:  "PassRole only to ECS tasks, only for roles created under the boundary",
		check: checkDeployments(passRoleOnlyUnderBoundary),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "PassTaskRolesToEcs", "iam:PassedToService"),
			setCondition("iam.tf", "deploy", "PassTaskRolesToEcs", "iam:PassedToService", "values", `["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]`),
			setStatement("iam.tf", "deploy", "PassTaskRolesToEcs", "resources", `["${local.arn_prefix.iam}:role/*"]`),
			dropCondition("iam.tf", "deploy", "PassTaskRolesToEcs", "aws:ResourceTag/Environment"),
		},
	},
	{
		name:  "EC2, ELB, ECS, autoscaling, registry and logs changes stay in the environment, or are listed in docs/adr/0004",
		check: checkDeployments(mutationsScoped),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "EcsTagOnCreate", "aws:RequestTag/Environment"),
			dropCondition("iam.tf", "deploy", "ScalingChangeTagged", "aws:ResourceTag/Application"),
			setStatement("iam.tf", "deploy", "LoadBalancer", "resources", `["*"]`),
			setStatement("iam.tf", "deploy", "EcsClusterServiceTaskDefinition", "resources", `["${local.arn_prefix.ecs}:cluster/${var.app_name}-*"]`),
			setStatement("iam.tf", "deploy", "Repository", "actions", `["ecr:*"]`),
			setStatement("iam.tf", "deploy", "Repository", "resources", `["arn:aws:ecr:*:*:repository/${var.app_name}-${each.key}"]`),
			setStatement("iam.tf", "deploy", "LogGroup", "actions", `["logs:*"]`),
		},
	},
	{
		name:  "a create call's request tags scope only the resource it creates, never the existing ones it names",
		check: checkDeployments(requestTagsOnlyOnCreatedResources),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "ScalingCreateTagged", "aws:ResourceTag/Application"),
		},
	},
	{
		name:  "no tag grant lets a deploy role claim a resource tagged for another environment",
		check: checkDeployments(tagsClaimNoOwnedResource),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "TaskRolesTagOnCreate", "aws:ResourceTag/Application"),
			dropCondition("iam.tf", "deploy", "ScalingTagOnCreate", "aws:ResourceTag/Application"),
		},
	},
	{
		name:  "a service runs only its own environment's task definitions",
		check: checkDeployments(servicesRunOwnTaskDefinitions),
		broken: []mutation{
			dropCondition("deploy_network.tf", "deploy_network", "EcsCreateServiceInOwnNetwork", "ecs:task-definition"),
			setCondition("deploy_network.tf", "deploy_network", "EcsUpdateServiceInOwnNetwork", "ecs:task-definition", "values", `["${local.arn_prefix.ecs}:task-definition/${var.app_name}-*"]`),
			setStatement("iam.tf", "deploy", "EcsClusterServiceTaskDefinition", "actions", `["ecs:DescribeServices", "ecs:UpdateService"]`),
		},
	},
	{
		name:  "the deploy role writes nothing in EC2 and reads it call by call",
		check: checkDeployments(ec2ReadsListed),
		broken: []mutation{
			setStatement("iam.tf", "deploy", "ReadAndUnscopable", "actions", `["ec2:Describe*"]`),
			setStatement("iam.tf", "deploy", "ReadAndUnscopable", "actions", `["ec2:DescribeNetworkInterfaces", "ec2:AuthorizeSecurityGroupIngress"]`),
			setStatement("iam.tf", "deploy", "LoadBalancer", "actions", `["elasticloadbalancing:AddTags", "ec2:CreateSecurityGroup"]`),
		},
	},
	{
		name:  "services and load balancers run only in the environment's own subnets and security group, without public IPs",
		check: checkDeployments(servicesStayInOwnNetwork),
		broken: []mutation{
			setCondition("deploy_network.tf", "deploy_network", "EcsCreateServiceInOwnNetwork", "ecs:subnet", "values", `concat(module.network[each.key].private_subnet_ids, module.network[each.key].public_subnet_ids)`),
			dropNullCondition("deploy_network.tf", "deploy_network", "EcsCreateServiceInOwnNetwork", "ecs:subnet"),
			dropCondition("deploy_network.tf", "deploy_network", "EcsCreateServiceInOwnNetwork", "ecs:auto-assign-public-ip"),
			setCondition("deploy_network.tf", "deploy_network", "EcsUpdateServiceInOwnNetwork", "ecs:auto-assign-public-ip", "values", `["true"]`),
			dropCondition("deploy_network.tf", "deploy_network", "EcsUpdateServiceInOwnNetwork", "ecs:subnet"),
			setCondition("deploy_network.tf", "deploy_network", "LoadBalancerCreateInOwnNetwork", "elasticloadbalancing:Subnet", "values", `flatten([for network in module.network : network.public_subnet_ids])`),
			dropCondition("deploy_network.tf", "deploy_network", "LoadBalancerCreateInOwnNetwork", "elasticloadbalancing:SecurityGroup"),
			dropNullCondition("deploy_network.tf", "deploy_network", "LoadBalancerOwnSubnets", "elasticloadbalancing:Subnet"),
			setCondition("deploy_network.tf", "deploy_network", "LoadBalancerOwnSecurityGroup", "elasticloadbalancing:SecurityGroup", "values", `[module.network[each.key].service_security_group_id]`),
			setStatement("iam.tf", "deploy", "LoadBalancer", "actions", `["elasticloadbalancing:AddTags", "elasticloadbalancing:SetSubnets"]`),
			setStatement("iam.tf", "deploy", "EcsClusterServiceTaskDefinition", "actions", `["ecs:DescribeServices", "ecs:CreateService"]`),
		},
	},
	{
		name:  "every ForAllValues condition in a deploy policy requires its key present",
		check: checkDeployments(forAllValuesRequireKey),
		broken: []mutation{
			dropNullCondition("deploy_monitoring.tf", "deploy_monitoring", "ScalingAlarms", "cloudwatch:AlarmActions"),
			dropNullCondition("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "cloudwatch:AlarmActions"),
			dropNullCondition("deploy_network.tf", "deploy_network", "LoadBalancerCreateInOwnNetwork", "elasticloadbalancing:SecurityGroup"),
		},
	},
	{
		name:  "an alarm the deploy role creates acts only on this environment's scaling policies or alarm topic",
		check: checkDeployments(alarmsActOnOwnScaling),
		broken: []mutation{
			dropCondition("deploy_monitoring.tf", "deploy_monitoring", "ScalingAlarms", "cloudwatch:AlarmActions"),
			dropNullCondition("deploy_monitoring.tf", "deploy_monitoring", "ScalingAlarms", "cloudwatch:AlarmActions"),
			setCondition("deploy_monitoring.tf", "deploy_monitoring", "ScalingAlarms", "cloudwatch:AlarmActions", "values", `["arn:aws:sns:*", "arn:${local.partition}:autoscaling:${var.region}:${local.account_id}:scalingPolicy:*:resource/ecs/service/${var.app_name}-${each.key}/*"]`),
			setCondition("deploy_monitoring.tf", "deploy_monitoring", "ScalingAlarms", "cloudwatch:AlarmActions", "values", `["arn:${local.partition}:autoscaling:${var.region}:${local.account_id}:scalingPolicy:*"]`),
			dropCondition("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "cloudwatch:AlarmActions"),
			dropNullCondition("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "cloudwatch:AlarmActions"),
			setCondition("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "cloudwatch:AlarmActions", "values", `["arn:${local.partition}:sns:${var.region}:${local.account_id}:*"]`),
			setCondition("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "cloudwatch:AlarmActions", "values", `values(local.alarm_topic_arns)`),
		},
	},
	{
		name:  "CloudWatch, SNS and SSM grants name this environment's alarms, dashboard, topic and parameters exactly; nothing silences an alarm",
		check: checkDeployments(signalsNamedExactly),
		broken: []mutation{
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarmsManageAndRead", "resources", `["${local.arn_prefix.cw}:alarm:${var.app_name}-${each.key}-*"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarms", "resources", `["${local.arn_prefix.cw}:alarm:*"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "ServiceAlarmsManageAndRead", "actions", `["cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "MetricData", "actions", `["cloudwatch:GetMetricData", "cloudwatch:SetAlarmState"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "Dashboard", "resources", `["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${var.app_name}-*"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "AlarmTopic", "resources", `["arn:${local.partition}:sns:${var.region}:${local.account_id}:*"]`),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "AlarmTopicSubscriptions", "resources", `["arn:${local.partition}:sns:${var.region}:${local.account_id}:${var.app_name}-${each.key}-*"]`),
			dropCondition("deploy_monitoring.tf", "deploy_monitoring", "AlarmTopicEmailSubscription", "sns:Protocol"),
			setStatement("deploy_monitoring.tf", "deploy_monitoring", "AlarmTopicKeyParameter", "resources", `["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.app_name}/*"]`),
			setStatement("plan_role.tf", "plan", "ReadThisEnvironmentsAlarms", "resources", `["${local.arn_prefix.cw}:alarm:*"]`),
			setStatement("plan_role.tf", "plan", "ReadThisEnvironmentsAlarmTopic", "resources", `["arn:${local.partition}:sns:${var.region}:${local.account_id}:${var.app_name}-*"]`),
		},
	},
	{
		name:  "task definitions are registered only in the environment's own family (issue 18 finding 2)",
		check: checkDeployments(taskDefinitionsInOwnFamily),
		broken: []mutation{
			setStatement("iam.tf", "deploy", "EcsCreateTagged", "resources", `["*"]`),
			setStatement("iam.tf", "deploy", "EcsCreateTagged", "resources", `["${local.arn_prefix.ecs}:task-definition/${var.app_name}-*"]`),
		},
	},
	{
		name:  "services join no Service Connect namespace (issue 18 finding 3)",
		check: checkDeployments(servicesJoinNoNamespace),
		broken: []mutation{
			dropCondition("deploy_network.tf", "deploy_network", "EcsCreateServiceInOwnNetwork", "ecs:namespace"),
			dropCondition("deploy_network.tf", "deploy_network", "EcsUpdateServiceInOwnNetwork", "ecs:namespace"),
		},
	},
	{
		name:  "the deploy and plan roles read only roles tagged for their environment (issue 18 finding 4)",
		check: checkDeployments(roleReadsTagged),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "TaskRolesRead", "aws:ResourceTag/Environment"),
			dropCondition("plan_role.tf", "plan", "ReadThisEnvironmentsRoles", "aws:ResourceTag/Application"),
		},
	},
	{
		name:  "scalable targets are ECS services' desired counts only (issue 18 finding 5)",
		check: checkDeployments(scalingOnlyEcsServices),
		broken: []mutation{
			dropCondition("iam.tf", "deploy", "ScalingCreateTagged", "application-autoscaling:service-namespace"),
			dropCondition("iam.tf", "deploy", "ScalingUpdateTagged", "application-autoscaling:scalable-dimension"),
			setStatement("iam.tf", "deploy", "ScalingChangeTagged", "actions", `["application-autoscaling:PutScalingPolicy", "application-autoscaling:RegisterScalableTarget"]`),
		},
	},
	{
		name:  "a deploy role creates roles only at the root path, so it cannot take other names",
		check: checkDeployments(rolesOnlyAtRootPath),
		broken: []mutation{
			dropStatement("iam.tf", "deploy", "DenyRolesUnderAPath"),
			setStatement("iam.tf", "deploy", "DenyRolesUnderAPath", "resources", `["${local.arn_prefix.iam}:role/github-deploy/*"]`),
		},
	},
	{
		name:  "deploy roles trust one GitHub environment of this repository, never a branch",
		check: checkDeployments(trustIsGitHubEnvironment),
		broken: []mutation{
			setCondition("github.tf", "deploy_assume", "GitHubEnvironment", "token.actions.githubusercontent.com:sub", "values", `["${local.github_subject_prefix}:ref:refs/heads/main"]`),
			setCondition("github.tf", "deploy_assume", "GitHubEnvironment", "token.actions.githubusercontent.com:sub", "values", `["${local.github_subject_prefix}:environment:${each.key}", "${local.github_subject_prefix}:pull_request"]`),
			setCondition("github.tf", "deploy_assume", "GitHubEnvironment", "token.actions.githubusercontent.com:sub", "values", `["repo:${var.github_repository}:environment:${each.key}"]`).as("a name-only subject, which a renamed repository's new owner could match"),
			set("bootstrap", "plan_role.tf", []blockRef{resourceBlock("aws_iam_role", "plan")}, "assume_role_policy", `jsonencode({ Version = "2012-10-17", Statement = [] })`).as("the plan role trusts another document"),
			setCondition("github.tf", "deploy_assume", "GitHubEnvironment", "token.actions.githubusercontent.com:sub", "test", `"StringLike"`),
			dropCondition("github.tf", "deploy_assume", "GitHubEnvironment", "token.actions.githubusercontent.com:aud"),
			setStatement("github.tf", "deploy_assume", "GitHubEnvironment", "actions", `["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"]`),
		},
	},
	{
		name:  "the drift check's plan role only reads, its own environment",
		check: checkDeployments(planRoleOnlyReads),
		broken: []mutation{
			setStatement("plan_role.tf", "plan", "ReadThisEnvironmentsState", "actions", `["s3:GetObject", "s3:PutObject"]`),
			setStatement("plan_role.tf", "plan", "ReadThisEnvironmentsState", "resources", `["${aws_s3_bucket.this.arn}/*"]`),
			setStatement("plan_role.tf", "plan", "ReadUnscopable", "actions", `["ecs:DescribeTaskDefinition", "ecs:UpdateService"]`),
			setStatement("plan_role.tf", "plan", "ReadThisEnvironment", "actions", `["ecr:DescribeImages", "ecr:PutImage"]`),
			set("bootstrap", "plan_role.tf", []blockRef{resourceBlock("aws_iam_role", "plan")}, "path", `"/"`),
		},
	},
	{
		name:  "a deploy role reaches only its own environment's state",
		check: checkDeployments(stateOfOwnEnvironmentOnly),
		broken: []mutation{
			setStatement("iam.tf", "deploy", "ThisEnvironmentsState", "resources", `["${aws_s3_bucket.this.arn}/${var.app_name}/*"]`),
			setStatement("iam.tf", "deploy", "ThisEnvironmentsState", "resources", `["${aws_s3_bucket.this.arn}/${var.app_name}/${each.key}*"]`),
			dropCondition("iam.tf", "deploy", "StateBucket", "s3:prefix"),
			setStatement("iam.tf", "deploy", "LogBuckets", "resources", `["${local.arn_prefix.s3}${var.app_name}-*"]`),
			setStatement("iam.tf", "deploy", "LogBuckets", "resources", `["${local.arn_prefix.s3}${var.app_name}-${each.key}-*"]`),
		},
	},
	{
		name:  "the permissions boundary allows only pulling the environment's image and writing its logs",
		check: checkDeployments(boundaryOnlyPullAndLogs),
		broken: []mutation{
			setStatement("boundary.tf", "boundary", "PullThisEnvironmentsImage", "resources", `["*"]`),
			setStatement("boundary.tf", "boundary", "WriteThisEnvironmentsLogs", "actions", `["logs:*"]`),
			setStatement("boundary.tf", "boundary", "EcrLogin", "actions", `["ecr:GetAuthorizationToken", "iam:PassRole"]`),
			setStatement("boundary.tf", "boundary", "PullThisEnvironmentsImage", "resources", `["${local.arn_prefix.ecr}:repository/${var.app_name}-*"]`),
		},
	},
	{
		name:  "the service stack's roles carry the boundary bootstrap creates",
		check: serviceRolesCarryBoundary,
		broken: []mutation{
			unset("service", "iam.tf", []blockRef{resourceBlock("aws_iam_role", "task")}, "permissions_boundary"),
			set("service", "iam.tf", []blockRef{block("locals")}, "permissions_boundary_arn", `"arn:aws:iam::aws:policy/AdministratorAccess"`),
			set("bootstrap", "boundary.tf", []blockRef{resourceBlock("aws_iam_policy", "boundary")}, "path", `"/"`),
		},
	},
}

// TestInvariants checks every invariant (these and the hardening ones)
// against the real stacks, and that each invariant fails on each edit that
// breaks its property.
func TestInvariants(t *testing.T) {
	t.Parallel()
	stacks := loadStacks(t)
	for _, inv := range slices.Concat(invariants, hardeningInvariants, alarmInvariants) {
		t.Run(inv.name, func(t *testing.T) {
			t.Parallel()
			if err := inv.check(stacks); err != nil {
				t.Fatalf("the stacks break the invariant: %v", err)
			}
			if len(inv.broken) == 0 {
				t.Fatal("no broken variant proves this invariant can fail")
			}
			for _, mu := range inv.broken {
				t.Run(mu.stack+"/"+mu.file+"/"+mu.name, func(t *testing.T) {
					mutated, err := mu.apply(stacks)
					if err != nil {
						t.Fatalf("cannot apply the mutation (did the stack change shape?): %v", err)
					}
					err = inv.check(mutated)
					if err == nil {
						t.Fatal("the invariant passed on a stack that breaks it")
					}
					t.Logf("fails as it should: %v", err)
				})
			}
		})
	}
}

func tasksGetNoPublicIP(stacks map[string]*module) error {
	m := stacks["service"]
	services := m.resources("aws_ecs_service")
	if len(services) == 0 {
		return errors.New("no aws_ecs_service")
	}
	for _, svc := range services {
		nets := nested(svc, "network_configuration")
		if len(nets) != 1 {
			return fmt.Errorf("aws_ecs_service.%s needs one network_configuration block", svc.Labels[1])
		}
		if !isLiteral(attr(nets[0], "assign_public_ip"), cty.False) {
			return fmt.Errorf("aws_ecs_service.%s: assign_public_ip must be literally false", svc.Labels[1])
		}
		if !isPath(attr(nets[0], "subnets"), "local.network.private_subnet_ids") {
			return fmt.Errorf("aws_ecs_service.%s must run in local.network.private_subnet_ids, bootstrap's private subnets", svc.Labels[1])
		}
	}
	network := stacks["network"]
	for _, subnet := range network.resources("aws_subnet") {
		if v := attr(subnet, "map_public_ip_on_launch"); v != nil && !isLiteral(v, cty.False) {
			return fmt.Errorf("aws_subnet.%s maps public IPs on launch", subnet.Labels[1])
		}
	}
	refs := network.references(network.local("private_subnet_ids"))
	if !refs["aws_subnet.private"] {
		return errors.New("the network's private_subnet_ids are not its aws_subnet.private")
	}
	for ref := range refs {
		if strings.HasPrefix(ref, "aws_subnet.") && ref != "aws_subnet.private" {
			return fmt.Errorf("the network's private_subnet_ids include %s", ref)
		}
	}
	return nil
}

// securityGroupsOf returns the aws_security_group names an attribute
// references, such as "alb" for [aws_security_group.alb.id].
func securityGroupsOf(m *module, expr hclsyntax.Expression) []string {
	var names []string
	for ref := range m.references(expr) {
		if name, ok := strings.CutPrefix(ref, "aws_security_group."); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// isPath reports whether expr is a single-element list of, or exactly, the
// reference name (e.g. "local.network.private_subnet_ids").
func isPath(expr hclsyntax.Expression, name string) bool {
	if tuple, ok := expr.(*hclsyntax.TupleConsExpr); ok && len(tuple.Exprs) == 1 {
		expr = tuple.Exprs[0]
	}
	ste, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	return ok && traversalName(ste.Traversal, strings.Count(name, ".")+1) == name
}

// serviceAdmitsOnlyLoadBalancer: the service stack puts its tasks and its
// load balancer in the network's two security groups, and in the network
// module only the load balancer's group reaches the service's, on the
// unprivileged ports (any of them, so a port change needs no EC2 write).
func serviceAdmitsOnlyLoadBalancer(stacks map[string]*module) error {
	service := stacks["service"]
	nets := nested(service.resource("aws_ecs_service", "this"), "network_configuration")
	if len(nets) != 1 {
		return errors.New("aws_ecs_service.this has no network_configuration")
	}
	if !isPath(attr(nets[0], "security_groups"), "local.network.service_security_group_id") {
		return errors.New("aws_ecs_service.this: security_groups must be [local.network.service_security_group_id]")
	}
	if !isPath(attr(service.resource("aws_lb", "this"), "security_groups"), "local.network.load_balancer_security_group_id") {
		return errors.New("aws_lb.this: security_groups must be [local.network.load_balancer_security_group_id]")
	}
	if len(service.resources("aws_security_group")) > 0 || len(service.resources("aws_vpc_security_group_ingress_rule")) > 0 {
		return errors.New("the service stack manages security groups or rules: the network is bootstrap's, and the deploy role writes nothing in EC2")
	}

	m := stacks["network"]
	parameter := m.resource("aws_ssm_parameter", "network")
	if parameter == nil {
		return errors.New("the network module writes no aws_ssm_parameter.network")
	}
	refs := m.references(attr(parameter, "value"))
	if !refs["aws_security_group.service"] || !refs["aws_security_group.load_balancer"] {
		return errors.New("the network parameter does not name aws_security_group.service and aws_security_group.load_balancer")
	}
	if len(m.resources("aws_security_group_rule")) > 0 {
		return errors.New("aws_security_group_rule is in use: use aws_vpc_security_group_ingress_rule/egress_rule only")
	}
	if len(nested(m.resource("aws_security_group", "service"), "ingress")) > 0 {
		return errors.New("aws_security_group.service has inline ingress rules")
	}
	rules := 0
	for _, rule := range m.resources("aws_vpc_security_group_ingress_rule") {
		if !slices.Equal(securityGroupsOf(m, attr(rule, "security_group_id")), []string{"service"}) {
			continue
		}
		rules++
		label := "aws_vpc_security_group_ingress_rule." + rule.Labels[1]
		for _, source := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} {
			if attr(rule, source) != nil {
				return fmt.Errorf("%s admits %s; only the load balancer's security group may reach the service", label, source)
			}
		}
		if from := securityGroupsOf(m, attr(rule, "referenced_security_group_id")); !slices.Equal(from, []string{"load_balancer"}) {
			return fmt.Errorf("%s admits security groups %v, not the load balancer's", label, from)
		}
		if !isLiteral(attr(rule, "ip_protocol"), cty.StringVal("tcp")) {
			return fmt.Errorf("%s: ip_protocol must be \"tcp\"", label)
		}
		from, err := m.evalInt(attr(rule, "from_port"), nil)
		if err != nil {
			return fmt.Errorf("%s: from_port: %w", label, err)
		}
		to, err := m.evalInt(attr(rule, "to_port"), nil)
		if err != nil {
			return fmt.Errorf("%s: to_port: %w", label, err)
		}
		if from < 1024 || to > 65535 || from > to {
			return fmt.Errorf("%s: ports %d-%d, want unprivileged ports only (1024-65535)", label, from, to)
		}
	}
	if rules == 0 {
		return errors.New("nothing admits the load balancer into aws_security_group.service")
	}
	return nil
}

func healthCheckIsFast(stacks map[string]*module) error {
	m := stacks["service"]
	tgs := m.resources("aws_lb_target_group")
	if len(tgs) == 0 {
		return errors.New("no aws_lb_target_group")
	}
	for _, tg := range tgs {
		label := "aws_lb_target_group." + tg.Labels[1]
		if !isLiteral(attr(tg, "target_type"), cty.StringVal("ip")) {
			return fmt.Errorf("%s: target_type must be \"ip\" for Fargate tasks", label)
		}
		hcs := nested(tg, "health_check")
		if len(hcs) != 1 {
			return fmt.Errorf("%s has no health_check block, so it gets the slow defaults", label)
		}
		hc := hcs[0]
		if e := attr(hc, "enabled"); e != nil && !isLiteral(e, cty.True) {
			return fmt.Errorf("%s: health check disabled", label)
		}
		if !isLiteral(attr(hc, "path"), cty.StringVal("/healthz")) {
			return fmt.Errorf("%s: health check path must be /healthz", label)
		}
		if !isLiteral(attr(hc, "matcher"), cty.StringVal("200")) {
			return fmt.Errorf("%s: health check must expect 200", label)
		}
		want := map[string]func(int64) bool{
			"interval":            func(n int64) bool { return n >= 5 && n <= 10 },
			"timeout":             func(n int64) bool { return n >= 2 },
			"healthy_threshold":   func(n int64) bool { return n == 2 },
			"unhealthy_threshold": func(n int64) bool { return n == 2 },
		}
		got := map[string]int64{}
		for name, ok := range want {
			n, err := m.evalInt(attr(hc, name), nil)
			if err != nil {
				return fmt.Errorf("%s: health_check.%s: %w", label, name, err)
			}
			if !ok(n) {
				return fmt.Errorf("%s: health_check.%s = %d is out of bounds", label, name, n)
			}
			got[name] = n
		}
		if got["timeout"] >= got["interval"] {
			return fmt.Errorf("%s: health check timeout %d must be shorter than its interval %d", label, got["timeout"], got["interval"])
		}
	}
	return nil
}

// drainCases are drain and shutdown timings within the variables' validation.
var drainCases = [][2]int64{{0, 1}, {5, 15}, {0, 60}, {30, 30}, {60, 50}}

func timingVars(drain, shutdown int64) map[string]cty.Value {
	return map[string]cty.Value{
		"drain_delay_seconds":      cty.NumberIntVal(drain),
		"shutdown_timeout_seconds": cty.NumberIntVal(shutdown),
	}
}

func deregistrationWithinDrain(stacks map[string]*module) error {
	m := stacks["service"]
	tg := m.resource("aws_lb_target_group", "this")
	expr := attr(tg, "deregistration_delay")
	if expr == nil {
		return errors.New("aws_lb_target_group.this: deregistration_delay unset (AWS default: 300 s)")
	}
	for _, c := range drainCases {
		delay, err := m.evalInt(expr, timingVars(c[0], c[1]))
		if err != nil {
			return fmt.Errorf("deregistration_delay: %w", err)
		}
		if window := c[0] + c[1]; delay > window || delay < 0 {
			return fmt.Errorf("deregistration_delay = %d s with drain %d s + shutdown %d s: outside 0..%d", delay, c[0], c[1], window)
		}
	}
	return nil
}

func stopTimeoutCoversDrain(stacks map[string]*module) error {
	m := stacks["service"]
	td := m.resource("aws_ecs_task_definition", "this")
	cs := containers(td)
	if len(cs) == 0 {
		return errors.New("aws_ecs_task_definition.this: container_definitions is not jsonencode([...])")
	}
	stop := objectItem(cs[0], "stopTimeout")
	if stop == nil {
		return errors.New("container has no stopTimeout (Fargate default: 30 s)")
	}
	env := m.local("container_environment")
	if env == nil {
		return errors.New("no local.container_environment")
	}
	for _, c := range drainCases {
		vars := timingVars(c[0], c[1])
		timeout, err := m.evalInt(stop, vars)
		if err != nil {
			return fmt.Errorf("stopTimeout: %w", err)
		}
		if window := c[0] + c[1]; timeout <= window || timeout > 120 {
			return fmt.Errorf("stopTimeout = %d s with drain %d s + shutdown %d s: want more than %d and at most 120", timeout, c[0], c[1], window)
		}
		v, err := m.eval(env, vars)
		if err != nil {
			return fmt.Errorf("local.container_environment: %w", err)
		}
		for name, want := range map[string]int64{"DRAIN_DELAY": c[0], "SHUTDOWN_TIMEOUT": c[1]} {
			var got cty.Value
			switch {
			case v.Type().IsObjectType() && v.Type().HasAttribute(name):
				got = v.GetAttr(name)
			case v.Type().IsMapType() && v.HasIndex(cty.StringVal(name)).True():
				got = v.Index(cty.StringVal(name))
			default:
				return fmt.Errorf("the container gets no %s", name)
			}
			if got.IsNull() || got.Type() != cty.String || got.AsString() != fmt.Sprintf("%ds", want) {
				return fmt.Errorf("%s = %#v, want %q from the same variable", name, got, fmt.Sprintf("%ds", want))
			}
		}
	}
	return nil
}

func containerIsHardened(stacks map[string]*module) error {
	m := stacks["service"]
	tds := m.resources("aws_ecs_task_definition")
	if len(tds) == 0 {
		return errors.New("no aws_ecs_task_definition")
	}
	for _, td := range tds {
		cs := containers(td)
		if len(cs) == 0 {
			return fmt.Errorf("aws_ecs_task_definition.%s: container_definitions is not jsonencode([...])", td.Labels[1])
		}
		for i, c := range cs {
			if !isLiteral(objectItem(c, "readonlyRootFilesystem"), cty.True) {
				return fmt.Errorf("container %d: readonlyRootFilesystem must be true", i)
			}
			user, ok := literal(objectItem(c, "user"))
			if !ok || user.Type() != cty.String || user.AsString() == "" ||
				strings.HasPrefix(user.AsString(), "0") || strings.HasPrefix(user.AsString(), "root") {
				return fmt.Errorf("container %d must run as a literal non-root user", i)
			}
			if p := objectItem(c, "privileged"); p != nil && !isLiteral(p, cty.False) {
				return fmt.Errorf("container %d is privileged", i)
			}
			if !isTraversal(objectItem(c, "image"), "var.image") {
				return fmt.Errorf("container %d: image must be var.image, the validated digest reference", i)
			}
			cmd := objectItem(objectItem(c, "healthCheck"), "command")
			want := cty.TupleVal([]cty.Value{cty.StringVal("CMD"), cty.StringVal("/api"), cty.StringVal("healthcheck")})
			if !isLiteral(cmd, want) {
				return fmt.Errorf(`container %d: healthCheck.command must be ["CMD", "/api", "healthcheck"]`, i)
			}
		}
	}
	return nil
}

func deploymentsRollBack(stacks map[string]*module) error {
	m := stacks["service"]
	svc := m.resource("aws_ecs_service", "this")
	if svc == nil {
		return errors.New("no aws_ecs_service.this")
	}
	breakers := nested(svc, "deployment_circuit_breaker")
	if len(breakers) != 1 {
		return errors.New("no deployment_circuit_breaker")
	}
	for _, name := range []string{"enable", "rollback"} {
		if !isLiteral(attr(breakers[0], name), cty.True) {
			return fmt.Errorf("deployment_circuit_breaker.%s must be true", name)
		}
	}
	for name, want := range map[string]cty.Value{
		"deployment_minimum_healthy_percent": cty.NumberIntVal(100),
		"deployment_maximum_percent":         cty.NumberIntVal(200),
		"wait_for_steady_state":              cty.True,
	} {
		if !isLiteral(attr(svc, name), want) {
			return fmt.Errorf("%s must be %#v", name, want)
		}
	}
	return nil
}

func repositoryIsImmutable(stacks map[string]*module) error {
	m := stacks["registry"]
	repos := m.resources("aws_ecr_repository")
	if len(repos) == 0 {
		return errors.New("no aws_ecr_repository in the registry stack")
	}
	if n := len(stacks["service"].resources("aws_ecr_repository")); n > 0 {
		return errors.New("the service stack must not own the repository (docs/adr/0002)")
	}
	for _, repo := range repos {
		label := "aws_ecr_repository." + repo.Labels[1]
		if !isLiteral(attr(repo, "image_tag_mutability"), cty.StringVal("IMMUTABLE")) {
			return fmt.Errorf("%s: image_tag_mutability must be IMMUTABLE", label)
		}
		scans := nested(repo, "image_scanning_configuration")
		if len(scans) != 1 || !isLiteral(attr(scans[0], "scan_on_push"), cty.True) {
			return fmt.Errorf("%s must scan on push", label)
		}
		if !isLiteral(attr(repo, "force_delete"), cty.True) {
			return fmt.Errorf("%s: force_delete must be true so destroy works with images inside", label)
		}
		if len(nested(repo, "encryption_configuration")) != 1 {
			return fmt.Errorf("%s: no encryption_configuration", label)
		}
	}
	return nil
}

const digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func imageRejectsTags(stacks map[string]*module) error {
	m := stacks["service"]
	v := m.variable("image")
	if v == nil {
		return errors.New("no variable image")
	}
	validations := nested(v, "validation")
	if len(validations) == 0 {
		return errors.New("variable image has no validation")
	}
	accepts := func(image string) (bool, error) {
		for _, val := range validations {
			ok, err := m.eval(attr(val, "condition"), map[string]cty.Value{"image": cty.StringVal(image)})
			if err != nil {
				return false, err
			}
			if ok.False() {
				return false, nil
			}
		}
		return true, nil
	}
	repo := "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev"
	for _, image := range []string{repo + "@sha256:" + digest, repo + ":v1@sha256:" + digest} {
		if ok, err := accepts(image); err != nil || !ok {
			return fmt.Errorf("rejects the digest reference %q (%w)", image, err)
		}
	}
	for _, image := range []string{repo + ":latest", repo, repo + ":sha256-" + digest, repo + "@sha256:" + digest[:12], repo + "@sha256:" + strings.ToUpper(digest), "nginx"} {
		if ok, err := accepts(image); err != nil || ok {
			return fmt.Errorf("accepts %q, which is not a digest reference (%w)", image, err)
		}
	}
	for _, val := range validations {
		if msg, ok := literal(attr(val, "error_message")); !ok || !strings.Contains(msg.AsString(), "digest") {
			return errors.New("the error message must tell the user to pass a digest reference")
		}
	}
	return nil
}

func httpsOnlyWithCertificate(stacks map[string]*module) error {
	m := stacks["service"]
	arn := cty.StringVal("arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-aaaa-bbbb-cccc-123456789012")
	withCert := map[string]cty.Value{"certificate_arn": arn}
	withoutCert := map[string]cty.Value{"certificate_arn": cty.NullVal(cty.String)}
	count := func(b *hclsyntax.Block, vars map[string]cty.Value) (int64, error) {
		if c := attr(b, "count"); c != nil {
			return m.evalInt(c, vars)
		}
		if fe := attr(b, "for_each"); fe != nil {
			v, err := m.eval(fe, vars)
			if err != nil {
				return 0, err
			}
			return int64(v.LengthInt()), nil
		}
		return 1, nil
	}
	https := 0
	for _, l := range m.resources("aws_lb_listener") {
		label := "aws_lb_listener." + l.Labels[1]
		proto, ok := literal(attr(l, "protocol"))
		if !ok {
			return fmt.Errorf("%s: protocol must be a literal", label)
		}
		without, err := count(l, withoutCert)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		with, err := count(l, withCert)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		switch proto.AsString() {
		case "HTTPS":
			https++
			if without != 0 || with != 1 {
				return fmt.Errorf("%s: %d instances without a certificate and %d with one, want 0 and 1", label, without, with)
			}
			if !isTraversal(attr(l, "certificate_arn"), "var.certificate_arn") {
				return fmt.Errorf("%s: certificate_arn must be var.certificate_arn", label)
			}
			policy, ok := literal(attr(l, "ssl_policy"))
			if !ok || !strings.HasPrefix(policy.AsString(), "ELBSecurityPolicy-TLS13-") {
				return fmt.Errorf("%s: ssl_policy must be a literal TLS 1.3 policy", label)
			}
		case "HTTP":
			actions := nested(l, "default_action")
			if len(actions) != 1 {
				return fmt.Errorf("%s: want one default_action", label)
			}
			for _, c := range []struct {
				vars map[string]cty.Value
				want string
			}{{withoutCert, "forward"}, {withCert, "redirect"}} {
				typ, err := m.eval(attr(actions[0], "type"), c.vars)
				if err != nil {
					return fmt.Errorf("%s: default_action.type: %w", label, err)
				}
				if typ.AsString() != c.want {
					return fmt.Errorf("%s: default_action is %q with certificate_arn = %#v, want %q", label, typ.AsString(), c.vars["certificate_arn"], c.want)
				}
			}
		}
	}
	if https == 0 {
		return errors.New("no HTTPS listener for when a certificate is given")
	}
	return nil
}

func backendsLock(stacks map[string]*module) error {
	for _, name := range []string{"service", "registry", "bootstrap"} {
		var backends []*hclsyntax.Block
		for _, tf := range stacks[name].blocks("terraform") {
			for _, b := range nested(tf, "backend") {
				if len(b.Labels) == 1 && b.Labels[0] == "s3" {
					backends = append(backends, b)
				}
			}
		}
		if len(backends) != 1 {
			return fmt.Errorf("%s stack: want one backend \"s3\" block, found %d", name, len(backends))
		}
		for _, setting := range []string{"use_lockfile", "encrypt"} {
			if !isLiteral(attr(backends[0], setting), cty.True) {
				return fmt.Errorf("%s stack: backend \"s3\" must set %s = true", name, setting)
			}
		}
	}
	return nil
}
