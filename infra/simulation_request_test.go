package infra_test

import (
	"slices"
	"strings"

	"github.com/example/goship/internal/moto"
)

// request is what one API call sends, as far as IAM's request context
// depends on it, written for any environment: in every string "<app>" and
// "<env>" stand for the caller's app name and environment, "<vapp>",
// "<venv>", "<vbucket>" for the victim's (an attack's target deployment),
// "<bucket>" for the caller's state bucket, and "<boundary>"/"<vboundary>"
// for the two environments' permissions boundaries. A list element
// "<private-subnets>", "<public-subnets>", "<lb-security-group>" (or the
// victim's, "<vprivate-subnets>" ...) stands for that environment's network.
//
// The simulator decides on a request context and derives none of it from
// the parameters of the call: requestContext does, in this one place, so
// every case says what the provider or the pipeline sends and not which
// keys IAM would see.
type request struct {
	// tags are the tags the call sets (on create, or TagResource): each
	// is aws:RequestTag/<key>, and their keys are aws:TagKeys.
	tags map[string]string
	// tagKeys are the keys an untag call names. noTagKeys is an untag
	// call that names none (EC2's DeleteTags without Tags deletes all).
	tagKeys []string
	// creates: the resource does not exist yet, so it has no tags.
	// Otherwise the target carries targetTags, or the caller's own
	// Application/Environment tags when targetTags is nil, and
	// targetUntagged says it carries none.
	creates        bool
	targetTags     map[string]string
	targetUntagged bool
	// targetBoundary is the permissions boundary the target role has
	// (default: the caller's; "none": no boundary); boundary is the one
	// the call names (CreateRole, PutRolePermissionsBoundary).
	targetBoundary string
	boundary       string
	// ECS and load balancing network parameters.
	taskDefinition string
	subnets        []string
	securityGroups []string
	publicIP       string // "true" or "false": the service's assignPublicIp
	// Other parameters IAM has a key for.
	passedToService string   // the service a PassRole hands the role to
	prefix          *string  // s3:ListBucket's prefix
	alarmActions    []string // PutMetricAlarm's AlarmActions
	noAlarmActions  bool     // PutMetricAlarm without AlarmActions
	serviceName     string   // CreateServiceLinkedRole's AWSServiceName
	createAction    string   // the create call a tag-on-create belongs to
	region          string   // default: the configured region
	// A scalable target's service namespace and scalable dimension.
	scalingNamespace, scalableDimension string
	// An SNS subscription's protocol and endpoint (Subscribe).
	protocol, endpoint string
	// The Service Connect namespace a service joins (CreateService,
	// UpdateService); empty: the call configures no Service Connect.
	namespace string
}

// ownTags are the tags the stacks' default_tags put on every resource of
// an environment.
var ownTags = map[string]string{"Application": "<app>", "Environment": "<env>"}

// network is one environment's network as the deploy policy must know it.
type network struct {
	privateSubnets, publicSubnets []string
	loadBalancerSecurityGroup     string
	serviceSecurityGroup          string
}

// placeholders fills in a request's placeholders for a call of caller on
// victim's resources.
type placeholders struct {
	replacer        *strings.Replacer
	caller, victim  deployment
	callerNet, vNet network
}

func newPlaceholders(caller, victim deployment, nets map[string]network) placeholders {
	return placeholders{
		replacer: strings.NewReplacer(
			"<app>", caller.app, "<env>", caller.env, "<bucket>", caller.bucket, "<boundary>", caller.boundary,
			"<vapp>", victim.app, "<venv>", victim.env, "<vbucket>", victim.bucket, "<vboundary>", victim.boundary,
		),
		caller: caller, victim: victim,
		callerNet: nets[caller.app+"/"+caller.env], vNet: nets[victim.app+"/"+victim.env],
	}
}

func (p placeholders) string(s string) string { return p.replacer.Replace(s) }

func (p placeholders) list(in []string) []string {
	var out []string
	for _, s := range in {
		switch s {
		case "<private-subnets>":
			out = append(out, p.callerNet.privateSubnets...)
		case "<public-subnets>":
			out = append(out, p.callerNet.publicSubnets...)
		case "<lb-security-group>":
			out = append(out, p.callerNet.loadBalancerSecurityGroup)
		case "<vprivate-subnets>":
			out = append(out, p.vNet.privateSubnets...)
		case "<vpublic-subnets>":
			out = append(out, p.vNet.publicSubnets...)
		case "<vlb-security-group>":
			out = append(out, p.vNet.loadBalancerSecurityGroup)
		case "<vservice-security-group>":
			out = append(out, p.vNet.serviceSecurityGroup)
		default:
			out = append(out, p.string(s))
		}
	}
	return out
}

func (p placeholders) tags(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range in {
		out[k] = p.string(v)
	}
	return out
}

// iamKeysOnTheTargetsBoundary are the IAM calls on an existing role whose
// iam:PermissionsBoundary is the boundary the role has now. For CreateRole
// and PutRolePermissionsBoundary it is the one the call sets: the
// difference is finding 2 of issue 13.
var iamKeysOnTheTargetsBoundary = []string{
	"iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
	"iam:DetachRolePolicy", "iam:PutRolePolicy",
}

// requestContext is the request context IAM builds for action with these
// parameters, called by caller on victim's resources: the one place where
// the suite assumes how AWS turns a call into condition keys (docs/adr/0004
// lists them). It returns the keys as the simulator takes them.
func requestContext(action string, r request, p placeholders) map[string]any {
	ctx := map[string]any{}
	service, _, _ := strings.Cut(action, ":")
	region := r.region
	if region == "" {
		region = moto.Region
	}
	ctx["aws:RequestedRegion"] = region

	if tags := p.tags(r.tags); len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k, v := range tags {
			ctx["aws:RequestTag/"+k] = v
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ctx["aws:TagKeys"] = keys
	}
	if len(r.tagKeys) > 0 {
		ctx["aws:TagKeys"] = slices.Clone(r.tagKeys)
	}
	if !r.creates && !r.targetUntagged {
		target := p.tags(r.targetTags)
		if target == nil {
			target = p.tags(ownTags)
		}
		for k, v := range target {
			ctx["aws:ResourceTag/"+k] = v
		}
	}

	switch {
	case action == "iam:CreateRole" || action == "iam:PutRolePermissionsBoundary":
		if r.boundary != "" {
			ctx["iam:PermissionsBoundary"] = p.string(r.boundary)
		}
	case slices.Contains(iamKeysOnTheTargetsBoundary, action) && !r.creates:
		boundary := r.targetBoundary
		if boundary == "" {
			boundary = "<boundary>"
		}
		if boundary != "none" {
			ctx["iam:PermissionsBoundary"] = p.string(boundary)
		}
	}
	if r.passedToService != "" {
		ctx["iam:PassedToService"] = r.passedToService
	}
	if r.serviceName != "" {
		ctx["iam:AWSServiceName"] = r.serviceName
	}
	if r.prefix != nil {
		ctx["s3:prefix"] = p.string(*r.prefix)
	}
	if action == "cloudwatch:PutMetricAlarm" && !r.noAlarmActions {
		ctx["cloudwatch:AlarmActions"] = p.list(r.alarmActions)
	}
	if r.createAction != "" {
		ctx[service+":CreateAction"] = r.createAction
	}
	if r.scalingNamespace != "" {
		ctx["application-autoscaling:service-namespace"] = r.scalingNamespace
	}
	if r.scalableDimension != "" {
		ctx["application-autoscaling:scalable-dimension"] = r.scalableDimension
	}
	if r.protocol != "" {
		ctx["sns:Protocol"] = r.protocol
	}
	if r.endpoint != "" {
		ctx["sns:Endpoint"] = p.string(r.endpoint)
	}

	switch service {
	case "ecs":
		if r.taskDefinition != "" {
			ctx["ecs:task-definition"] = p.string(r.taskDefinition)
		}
		if len(r.subnets) > 0 {
			ctx["ecs:subnet"] = p.list(r.subnets)
		}
		if r.publicIP != "" {
			ctx["ecs:auto-assign-public-ip"] = r.publicIP
		}
		// A call that names a namespace turns Service Connect on; one
		// that names none sends neither key (the provider sends no
		// serviceConnectConfiguration without the block).
		if r.namespace != "" {
			ctx["ecs:namespace"] = p.string(r.namespace)
			ctx["ecs:enable-service-connect"] = "true"
		}
	case "elasticloadbalancing":
		if len(r.subnets) > 0 {
			ctx["elasticloadbalancing:Subnet"] = p.list(r.subnets)
		}
		if len(r.securityGroups) > 0 {
			ctx["elasticloadbalancing:SecurityGroup"] = p.list(r.securityGroups)
		}
	}
	return ctx
}
