package infra_test

import (
	"fmt"
	"strings"
)

// namedOnCreate lists, for each create action the deploy role is granted,
// the types of existing resources AWS also authorises it on (the AWS
// Service Authorization Reference's resource types for the action, other
// than the one it creates). An existing resource is somebody's: request
// tags say only what the new resource will carry.
var namedOnCreate = map[string][]string{
	"ec2:AssociateRouteTable":           {"ec2:route-table/rtb-0foreign", "ec2:subnet/subnet-0foreign"},
	"ec2:AuthorizeSecurityGroupEgress":  {"ec2:security-group/sg-0foreign"},
	"ec2:AuthorizeSecurityGroupIngress": {"ec2:security-group/sg-0foreign"},
	"ec2:CreateFlowLogs":                {"ec2:vpc/vpc-0foreign", "ec2:subnet/subnet-0foreign"},
	"ec2:CreateNatGateway":              {"ec2:subnet/subnet-0foreign", "ec2:elastic-ip/eipalloc-0foreign"},
	"ec2:CreateRoute":                   {"ec2:route-table/rtb-0foreign"},
	"ec2:CreateRouteTable":              {"ec2:vpc/vpc-0foreign"},
	"ec2:CreateSecurityGroup":           {"ec2:vpc/vpc-0foreign"},
	"ec2:CreateSubnet":                  {"ec2:vpc/vpc-0foreign"},
	"ec2:CreateVpcEndpoint": {
		"ec2:vpc/vpc-0foreign", "ec2:subnet/subnet-0foreign",
		"ec2:security-group/sg-0foreign", "ec2:route-table/rtb-0foreign",
	},
	"application-autoscaling:RegisterScalableTarget": {"application-autoscaling:scalable-target/0foreign"},
}

// requestTagsOnlyOnCreatedResources checks that a statement scoped only by
// aws:RequestTag (no aws:ResourceTag) grants each create action on the
// type it creates, never on the existing resources the call also names:
// otherwise a request carrying this environment's tags could add a rule to
// any security group or a subnet to any VPC of the region.
func requestTagsOnlyOnCreatedResources(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() || d.ownedOrUntagged(st) || !requestTagged(st) {
			continue
		}
		for action, existing := range namedOnCreate {
			if !st.matchesAction(action) {
				continue
			}
			for _, r := range st.Resources {
				prefix, ok := arnPrefix(r)
				if !ok {
					continue
				}
				for _, typed := range existing {
					svc, rest, _ := strings.Cut(typed, ":")
					arn := strings.Replace(prefix, "<service>", svc, 1) + rest
					if wildcardMatch(r, arn) {
						return fmt.Errorf("statement %q allows %s on %s, an existing resource of any owner, with only request tags as the scope", st.Sid, action, arn)
					}
				}
			}
		}
	}
	return nil
}

// ownedOrUntagged reports whether a statement applies only to resources
// that already carry this environment's tags, or only to resources with no
// Application tag at all (a new one, or one nobody has claimed: the ADR
// says which statements take that risk and why).
func (d deployment) ownedOrUntagged(st statement) bool {
	if st.requires("aws:ResourceTag/Application", d.app) && st.requires("aws:ResourceTag/Environment", d.env) {
		return true
	}
	values, ok := st.condition("Null", "aws:ResourceTag/Application")
	return ok && len(values) == 1 && values[0] == "true"
}

func requestTagged(st statement) bool {
	for _, c := range st.Conditions {
		if strings.HasPrefix(c.Variable, "aws:RequestTag/") {
			return true
		}
	}
	return false
}

// arnPrefix returns "arn:<partition>:<service>:<region>:<account>:" of a
// resource pattern, with the service left as "<service>" so that a sample
// ARN of any service can be built in the pattern's region and account; a
// "*" pattern gives a prefix that every ARN matches.
func arnPrefix(pattern string) (string, bool) {
	if pattern == "*" {
		return "arn:aws:<service>:us-east-1:123456789012:", true
	}
	parts := strings.SplitN(pattern, ":", 6)
	if len(parts) < 6 {
		return "", false
	}
	return parts[0] + ":" + parts[1] + ":<service>:" + parts[3] + ":" + parts[4] + ":", true
}

// Tagging actions whose tags are the scope of other grants: a deploy role
// that may put its environment's tags on a resource another environment
// (or application) owns may then change, delete or pass that resource.
var scopeTagActions = []string{"application-autoscaling:TagResource", "ec2:CreateTags", "iam:TagRole"}

// tagsClaimNoOwnedResource checks that every grant of a scope-setting tag
// action either applies only while a resource is being created
// (ec2:CreateAction), only to resources that are this environment's
// already, or only to resources no application has tagged yet; never to a
// resource tagged for another environment.
func tagsClaimNoOwnedResource(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		for _, action := range scopeTagActions {
			if !st.matchesAction(action) {
				continue
			}
			if _, ok := st.condition("StringEquals", "ec2:CreateAction"); ok && service(action) == "ec2" {
				continue
			}
			if !d.ownedOrUntagged(st) {
				return fmt.Errorf("statement %q allows %s on resources tagged for any environment: a role could claim another environment's resource by retagging it", st.Sid, action)
			}
		}
	}
	return nil
}
