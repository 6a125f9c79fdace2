package infra_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// The deploy role's invariants, over the policies of one environment (d)
// among all environments and app names rendered (all). The same checks run
// on the policies rendered from the HCL and on those read back from the
// emulator after an apply.
type deploymentCheck struct {
	name  string
	check func(d deployment, all []deployment, unscopable map[string]bool) error
}

var deploymentChecks = []deploymentCheck{
	{"IAM writes only under the boundary", iamWritesUnderBoundary},
	{"no Allow reaches a deploy role or a boundary", noAllowReachesDeployRoles},
	{"explicit Deny protects deploy roles and boundaries", denyProtectsDeployRoles},
	{"PassRole only to ECS tasks, only for roles under the boundary", passRoleOnlyUnderBoundary},
	{"mutations are scoped to the environment or listed as unscopable", mutationsScoped},
	{"request tags scope only the resource a call creates", requestTagsOnlyOnCreatedResources},
	{"tags cannot claim another environment's resource", tagsClaimNoOwnedResource},
	{"services run only this environment's task definitions", servicesRunOwnTaskDefinitions},
	{"alarms act only on this environment's scaling policies or alarm topic", alarmsActOnOwnScaling},
	{"CloudWatch, SNS and SSM grants name this environment's signals exactly", signalsNamedExactly},
	{"task definitions only in the environment's family", taskDefinitionsInOwnFamily},
	{"services join no Service Connect namespace", servicesJoinNoNamespace},
	{"roles are read only when tagged for the environment", roleReadsTagged},
	{"scalable targets are ECS services' desired counts only", scalingOnlyEcsServices},
	{"every ForAllValues condition requires its key present", forAllValuesRequireKey},
	{"EC2 reads are listed one by one, and nothing in EC2 is written", ec2ReadsListed},
	{"services and load balancers stay in the environment's network", servicesStayInOwnNetwork},
	{"roles are created only at the root path", rolesOnlyAtRootPath},
	{"trust is one GitHub environment of one repository, by ID", trustIsGitHubEnvironment},
	{"the plan role only reads", planRoleOnlyReads},
	{"state of other environments is out of reach", stateOfOwnEnvironmentOnly},
	{"boundary allows only pulling the image and writing logs", boundaryOnlyPullAndLogs},
}

// checkDeployments renders the bootstrap stack for every test app name and
// environment and runs one check on each.
func checkDeployments(check func(d deployment, all []deployment, unscopable map[string]bool) error) func(stacks map[string]*module) error {
	return func(stacks map[string]*module) error {
		all, err := deployments(stacks)
		if err != nil {
			return err
		}
		unscopable, err := unscopableActions()
		if err != nil {
			return err
		}
		return runCheck(check, all, unscopable)
	}
}

func runCheck(check func(d deployment, all []deployment, unscopable map[string]bool) error, all []deployment, unscopable map[string]bool) error {
	for _, d := range all {
		if err := check(d, all, unscopable); err != nil {
			return fmt.Errorf("app_name %q, environment %q: %w", d.app, d.env, err)
		}
	}
	return nil
}

// adrGlob finds the deploy-role ADR, whose table of actions AWS cannot
// scope is the only exception the scoping invariant grants.
const adrGlob = "../docs/adr/0004-*.md"

var (
	unscopableHeading = regexp.MustCompile(`(?m)^## Actions on "\*"`)
	tableAction       = regexp.MustCompile("`([a-z0-9-]+:[A-Za-z*]+)`")
)

// unscopableActions reads the actions the ADR lists under its heading
// 'Actions on "*"', from the first column of its table.
func unscopableActions() (map[string]bool, error) {
	paths, err := filepath.Glob(adrGlob)
	if err != nil {
		return nil, err
	}
	if len(paths) != 1 {
		return nil, fmt.Errorf("want one ADR %s, found %v", adrGlob, paths)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		return nil, err
	}
	loc := unscopableHeading.FindIndex(data)
	if loc == nil {
		return nil, fmt.Errorf(`%s has no "## Actions on \"*\"" section`, paths[0])
	}
	section := string(data[loc[1]:])
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	actions := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, m := range tableAction.FindAllStringSubmatch(first, -1) {
			actions[m[1]] = true
		}
	}
	if len(actions) == 0 {
		return nil, fmt.Errorf("%s lists no actions in its table", paths[0])
	}
	return actions, nil
}

func iamWritesUnderBoundary(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		if len(st.NotActions) > 0 {
			return fmt.Errorf("statement %q allows by NotAction, which can grant any IAM action", st.Sid)
		}
		for _, action := range st.Actions {
			if action != "*" && service(action) != "iam" {
				continue
			}
			switch {
			case strings.Contains(action, "*") && (!isRead(action) || service(action) != "iam"):
				return fmt.Errorf("statement %q allows %q: IAM actions must be listed one by one", st.Sid, action)
			case action == "iam:PutRolePermissionsBoundary":
				// For this call iam:PermissionsBoundary is the new boundary:
				// it would put any role of the name pattern (another
				// application's, a hand-made one) under ours, then writable.
				return fmt.Errorf("statement %q allows iam:PutRolePermissionsBoundary; CreateRole sets the boundary", st.Sid)
			case isRead(action), action == "iam:PassRole":
				// PassRole has its own invariant.
			case slices.Contains(boundaryKeyedActions, action):
				if !st.requires("iam:PermissionsBoundary", d.boundary) {
					return fmt.Errorf("statement %q allows %s without iam:PermissionsBoundary = %s", st.Sid, action, d.boundary)
				}
				if (action == "iam:PutRolePolicy" || action == "iam:DeleteRolePolicy") && !d.requiresTags(st) {
					return fmt.Errorf("statement %q allows %s on roles not tagged Application = %s, Environment = %s", st.Sid, action, d.app, d.env)
				}
			case slices.Contains(taggedIAMActions, action):
				if !d.requiresTags(st) {
					return fmt.Errorf("statement %q allows %s on roles not tagged Application = %s, Environment = %s", st.Sid, action, d.app, d.env)
				}
			case action == "iam:CreateServiceLinkedRole":
				if _, ok := st.condition("StringEquals", "iam:AWSServiceName"); !ok {
					return fmt.Errorf("statement %q allows iam:CreateServiceLinkedRole for any service", st.Sid)
				}
			default:
				return fmt.Errorf("statement %q allows %s, which the deploy role must not have (a role's trust or permissions could leave the boundary)", st.Sid, action)
			}
		}
	}
	return nil
}

// coversIAM reports whether an Allow statement grants any IAM action.
func coversIAM(st statement) bool {
	if len(st.NotActions) > 0 {
		return true
	}
	return slices.ContainsFunc(st.Actions, func(a string) bool { return a == "*" || service(a) == "iam" })
}

func noAllowReachesDeployRoles(d deployment, all []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() || !coversIAM(st) {
			continue
		}
		for _, arn := range protectedARNs(all, d.app) {
			if st.matchesResource(arn) {
				return fmt.Errorf("statement %q (resources %q) reaches %s", st.Sid, st.Resources, arn)
			}
		}
	}
	return nil
}

func denyProtectsDeployRoles(d deployment, all []deployment, _ map[string]bool) error {
	denied := func(action, arn string) bool {
		return slices.ContainsFunc(d.deploy.Statements, func(st statement) bool {
			return st.Effect == "Deny" && len(st.Conditions) == 0 && st.matchesAction(action) && st.matchesResource(arn)
		})
	}
	for _, arn := range protectedARNs(all, d.app) {
		for _, action := range selfProtectionActions {
			if !denied(action, arn) {
				return fmt.Errorf("no unconditional Deny of %s on %s", action, arn)
			}
		}
	}
	anyRole := iamARN("role", "/", d.app+"-"+d.env+"-task")
	if !denied("iam:DeleteRolePermissionsBoundary", anyRole) {
		return fmt.Errorf("no unconditional Deny of iam:DeleteRolePermissionsBoundary on every role (%s)", anyRole)
	}
	return nil
}

func passRoleOnlyUnderBoundary(d deployment, _ []deployment, _ map[string]bool) error {
	var boundaryResources []string
	for _, st := range d.deploy.Statements {
		if st.allows() && st.matchesAction("iam:CreateRole") && st.requires("iam:PermissionsBoundary", d.boundary) {
			boundaryResources = append(boundaryResources, st.Resources...)
		}
	}
	passes := 0
	for _, st := range d.deploy.Statements {
		if !st.allows() || !st.matchesAction("iam:PassRole") {
			continue
		}
		passes++
		if !st.requires("iam:PassedToService", "ecs-tasks.amazonaws.com") {
			return fmt.Errorf("statement %q passes roles to services other than ecs-tasks.amazonaws.com", st.Sid)
		}
		if len(st.NotResources) > 0 || len(st.Resources) == 0 {
			return fmt.Errorf("statement %q passes roles by NotResource", st.Sid)
		}
		for _, r := range st.Resources {
			if !slices.Contains(boundaryResources, r) {
				return fmt.Errorf("statement %q passes %s, which is not a role the deploy role may create only under the boundary (%q)", st.Sid, r, boundaryResources)
			}
		}
		if !st.requires("aws:ResourceTag/Application", d.app) || !st.requires("aws:ResourceTag/Environment", d.env) {
			return fmt.Errorf("statement %q passes roles without this environment's tags", st.Sid)
		}
	}
	if passes == 0 {
		return errors.New("no statement passes the task roles to ECS: the service cannot run")
	}
	return nil
}

func mutationsScoped(d deployment, _ []deployment, unscopable map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		if len(st.NotActions) > 0 || len(st.NotResources) > 0 {
			return fmt.Errorf("statement %q allows by NotAction or NotResource", st.Sid)
		}
		for _, action := range st.Actions {
			if service(action) == "iam" {
				continue // the IAM invariants cover these
			}
			if strings.Contains(action, "*") && !isRead(action) {
				return fmt.Errorf("statement %q allows %q: list the actions one by one", st.Sid, action)
			}
			if isRead(action) || unscopable[action] || d.requiresTags(st) {
				continue
			}
			for _, r := range st.Resources {
				if !d.names(r) {
					return fmt.Errorf("statement %q allows %s on %s: neither this environment's resources by name nor by tag, and docs/adr/0004 does not list it as unscopable", st.Sid, action, r)
				}
			}
		}
	}
	return nil
}

func trustIsGitHubEnvironment(d deployment, _ []deployment, _ map[string]bool) error {
	if err := trustsGitHubEnvironment(d.trust, d.env); err != nil {
		return fmt.Errorf("deploy role: %w", err)
	}
	if err := trustsGitHubEnvironment(d.planTrust, d.env); err != nil {
		return fmt.Errorf("plan role: %w", err)
	}
	return nil
}

// trustsGitHubEnvironment checks a trust policy admits only GitHub jobs of
// the environment env in the repository testRepositoryID of the owner
// testOwnerID, by the subject a repository's claim template
// ["repository_owner_id", "repository_id", "context"] gives: numeric IDs,
// which a renamed or transferred repository keeps and a new repository of
// its old name does not get.
func trustsGitHubEnvironment(trust policy, env string) error {
	const sub = "token.actions.githubusercontent.com:sub"
	want := "repository_owner_id:" + testOwnerID + ":repository_id:" + testRepositoryID + ":environment:" + env
	if len(trust.Statements) == 0 {
		return errors.New("no trust statement")
	}
	for _, st := range trust.Statements {
		if !st.allows() {
			continue
		}
		if !slices.Equal(st.Actions, []string{"sts:AssumeRoleWithWebIdentity"}) {
			return fmt.Errorf("trust statement %q allows %q, want only sts:AssumeRoleWithWebIdentity", st.Sid, st.Actions)
		}
		if len(st.Principals) != 1 || !slices.Equal(st.Principals["Federated"], []string{githubOIDCProvider}) {
			return fmt.Errorf("trust statement %q trusts %v, want only the GitHub OIDC provider", st.Sid, st.Principals)
		}
		if values, ok := st.condition("StringEquals", "token.actions.githubusercontent.com:aud"); !ok || !slices.Equal(values, []string{"sts.amazonaws.com"}) {
			return fmt.Errorf("trust statement %q: audience must be exactly sts.amazonaws.com", st.Sid)
		}
		subjects := 0
		for _, c := range st.Conditions {
			if c.Variable != sub {
				continue
			}
			subjects++
			if c.Test != "StringEquals" || !slices.Equal(c.Values, []string{want}) {
				return fmt.Errorf("trust statement %q: subject %s %q, want StringEquals [%q]", st.Sid, c.Test, c.Values, want)
			}
		}
		if subjects != 1 {
			return fmt.Errorf("trust statement %q has %d subject conditions, want one", st.Sid, subjects)
		}
	}
	return nil
}

// planRoleOnlyReads checks the drift check's role: every action it is
// allowed is a read (Describe, List, Get), it reads only this environment's
// state and no object anywhere else, and it can write nothing, the state
// lock included.
func planRoleOnlyReads(d deployment, _ []deployment, _ map[string]bool) error {
	if d.planRole == "" || len(d.plan.Statements) == 0 {
		return errors.New("no plan role, or one without permissions")
	}
	if !strings.Contains(d.planRole, ":role/github-deploy/") {
		return fmt.Errorf("plan role %s is not under /github-deploy/, where the deploy roles' Deny protects it", d.planRole)
	}
	for _, st := range d.plan.Statements {
		if !st.allows() {
			continue
		}
		for _, action := range st.Actions {
			if !isRead(action) {
				return fmt.Errorf("plan role statement %q allows %s, which is not a read", st.Sid, action)
			}
		}
	}
	state := "arn:aws:s3:::" + d.bucket + "/" + d.app + "/" + d.env + "/service.tfstate"
	if !effectivelyAllows(d.plan, "s3:GetObject", state) {
		return fmt.Errorf("the plan role cannot read its state %s", state)
	}
	for _, write := range []string{"s3:PutObject", "s3:DeleteObject"} {
		if effectivelyAllows(d.plan, write, state+".tflock") {
			return fmt.Errorf("the plan role may %s the state lock", write)
		}
	}
	for _, other := range []string{
		"arn:aws:s3:::" + d.bucket + "/" + d.app + "/" + d.env + "x/service.tfstate",
		"arn:aws:s3:::" + d.bucket + "/other/" + d.env + "/service.tfstate",
		"arn:aws:s3:::" + d.app + "-" + d.env + "-logs-" + testAccountID + "/alb/x",
	} {
		if effectivelyAllows(d.plan, "s3:GetObject", other) {
			return fmt.Errorf("the plan role may read %s", other)
		}
	}
	return nil
}

// effectivelyAllows over-approximates IAM: an Allow (whatever its
// conditions) that no unconditional Deny cancels.
func effectivelyAllows(p policy, action, arn string) bool {
	allowed := false
	for _, st := range p.Statements {
		if !st.matchesAction(action) || !st.matchesResource(arn) {
			continue
		}
		if st.Effect == "Deny" && len(st.Conditions) == 0 {
			return false
		}
		if st.allows() {
			allowed = true
		}
	}
	return allowed
}

func stateOfOwnEnvironmentOnly(d deployment, all []deployment, _ map[string]bool) error {
	bucket := "arn:aws:s3:::" + d.bucket
	key := func(app, env, file string) string { return bucket + "/" + app + "/" + env + "/" + file }
	files := []string{"service.tfstate", "service.tfstate.tflock", "registry.tfstate", "registry.tfstate.tflock"}
	objectActions := []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectVersion"}
	for _, file := range files {
		for _, action := range objectActions[:3] {
			if !effectivelyAllows(d.deploy, action, key(d.app, d.env, file)) {
				return fmt.Errorf("cannot %s its own state %s", action, key(d.app, d.env, file))
			}
		}
	}
	var others []string
	for _, o := range all {
		if o.app == d.app && o.env != d.env {
			others = append(others, key(o.app, o.env, "service.tfstate"), key(o.app, o.env, "registry.tfstate.tflock"))
		}
	}
	others = append(others, key("other", d.env, "service.tfstate"), key(d.app+"x", d.env, "service.tfstate"), bucket+"/"+d.app+"/"+d.env+"x/service.tfstate")
	for _, arn := range others {
		for _, action := range objectActions {
			if effectivelyAllows(d.deploy, action, arn) {
				return fmt.Errorf("may %s %s", action, arn)
			}
		}
	}
	// Buckets whose names only start like this environment's: the state
	// bucket of an application named "<app>-<env>", a hand-made one.
	for _, name := range []string{d.app + "-" + d.env + "-tfstate-123456789012", d.app + "-" + d.env + "-uploads"} {
		for _, action := range []string{"s3:GetObject", "s3:PutBucketPolicy", "s3:DeleteObjectVersion"} {
			for _, arn := range []string{"arn:aws:s3:::" + name, "arn:aws:s3:::" + name + "/" + d.app + "/" + d.env + "/service.tfstate"} {
				if effectivelyAllows(d.deploy, action, arn) {
					return fmt.Errorf("may %s %s, another application's bucket", action, arn)
				}
			}
		}
	}
	for _, action := range []string{"s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketPublicAccessBlock"} {
		if effectivelyAllows(d.deploy, action, bucket) {
			return fmt.Errorf("may %s on the state bucket", action)
		}
	}
	for _, st := range d.deploy.Statements {
		if !st.allows() || !st.matchesAction("s3:ListBucket") || !st.matchesResource(bucket) {
			continue
		}
		prefixes, ok := st.condition("StringLike", "s3:prefix")
		if !ok {
			return fmt.Errorf("statement %q lists every key of the state bucket", st.Sid)
		}
		for _, p := range prefixes {
			if !strings.HasPrefix(p, d.app+"/"+d.env+"/") && !strings.HasPrefix(p, "env:/") {
				return fmt.Errorf("statement %q lists keys under %q", st.Sid, p)
			}
		}
	}
	return nil
}

func boundaryOnlyPullAndLogs(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.boundaryP.Statements {
		if !st.allows() || len(st.NotActions) > 0 || len(st.NotResources) > 0 {
			return fmt.Errorf("boundary statement %q: only plain Allow statements belong in a boundary", st.Sid)
		}
		for _, action := range st.Actions {
			if strings.Contains(action, "*") {
				return fmt.Errorf("boundary statement %q allows %q: list the actions", st.Sid, action)
			}
			if !slices.Contains([]string{"ecr", "logs"}, service(action)) {
				return fmt.Errorf("boundary statement %q allows %s: a task may only pull its image and write its logs", st.Sid, action)
			}
		}
		for _, r := range st.Resources {
			if r == "*" && slices.Equal(st.Actions, []string{"ecr:GetAuthorizationToken"}) {
				continue
			}
			if !d.names(r) {
				return fmt.Errorf("boundary statement %q reaches %s, not this environment's repository or log group", st.Sid, r)
			}
		}
	}
	return nil
}

// serviceRolesCarryBoundary checks that the service stack creates every
// role with the boundary the bootstrap stack creates for that environment:
// without it, the deploy role could not create them at all.
func serviceRolesCarryBoundary(stacks map[string]*module) error {
	all, err := deployments(stacks)
	if err != nil {
		return err
	}
	m := stacks["service"]
	roles := serviceRoles(m)
	if len(roles) == 0 {
		return errors.New("the service stack creates no role")
	}
	for _, d := range all {
		s, err := newScope(m, map[string]cty.Value{"app_name": cty.StringVal(d.app), "environment": cty.StringVal(d.env)})
		if err != nil {
			return err
		}
		for _, role := range roles {
			label := "aws_iam_role." + role.Labels[1]
			b := attr(role, "permissions_boundary")
			if b == nil {
				return fmt.Errorf("%s has no permissions_boundary", label)
			}
			got, err := s.string(b)
			if err != nil {
				return fmt.Errorf("%s.permissions_boundary: %w", label, err)
			}
			if got != d.boundary {
				return fmt.Errorf("%s.permissions_boundary = %s for app %q, environment %q; bootstrap creates %s", label, got, d.app, d.env, d.boundary)
			}
		}
	}
	return nil
}

// TestADRListsOnlyUnscopableGrants keeps docs/adr/0004's table honest the
// other way round: each action it lists as unscopable is one a deploy role
// is actually granted on resources it cannot name.
func TestADRListsOnlyUnscopableGrants(t *testing.T) {
	t.Parallel()
	all, err := deployments(loadStacks(t))
	if err != nil {
		t.Fatal(err)
	}
	unscopable, err := unscopableActions()
	if err != nil {
		t.Fatal(err)
	}
	d := all[0]
	for listed := range unscopable {
		granted := slices.ContainsFunc(d.deploy.Statements, func(st statement) bool {
			unnamed := slices.ContainsFunc(st.Resources, func(r string) bool { return !d.names(r) })
			return st.allows() && unnamed && slices.ContainsFunc(st.Actions, func(a string) bool { return wildcardMatch(listed, a) })
		})
		if !granted {
			t.Errorf("docs/adr/0004 lists %s as granted on resources no policy can name, but no statement grants it so: drop it from the table", listed)
		}
	}
}

// servicesRunOwnTaskDefinitions checks that CreateService and UpdateService
// are granted only with ecs:task-definition naming this environment's
// family: another environment's revision carries its task and execution
// roles and its image into this cluster, and ECS asks no PassRole for it.
func servicesRunOwnTaskDefinitions(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		for _, action := range []string{"ecs:CreateService", "ecs:UpdateService"} {
			if !st.matchesAction(action) {
				continue
			}
			var families []string
			for _, test := range []string{"ArnLike", "ArnLikeIfExists", "ArnEquals", "ArnEqualsIfExists"} {
				if v, ok := st.condition(test, "ecs:task-definition"); ok {
					families = append(families, v...)
				}
			}
			if len(families) == 0 {
				return fmt.Errorf("statement %q allows %s with any task definition", st.Sid, action)
			}
			for _, f := range families {
				if !d.names(f) || !strings.Contains(f, ":task-definition/"+d.app+"-"+d.env+":") {
					return fmt.Errorf("statement %q allows %s with task definition %s, not this environment's family", st.Sid, action, f)
				}
			}
		}
	}
	return nil
}

// forAllValuesRequireKey checks that every Allow with a ForAllValues
// condition also requires its key (Null = false): ForAllValues holds on an
// empty set, so a PutMetricAlarm with no actions or a DeleteTags with no
// Tags (which deletes every tag) would pass it.
func forAllValuesRequireKey(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		for _, c := range st.Conditions {
			if !strings.HasPrefix(c.Test, "ForAllValues:") {
				continue
			}
			if updateLeavesAlone(st, c.Variable) {
				continue
			}
			if present, ok := st.condition("Null", c.Variable); !ok || !slices.Equal(present, []string{"false"}) {
				return fmt.Errorf("statement %q has %s %s without Null %s = false beside it", st.Sid, c.Test, c.Variable, c.Variable)
			}
		}
	}
	return nil
}

// updateLeavesAlone reports whether a statement grants only ecs:UpdateService
// and the key is ecs:subnet: an update that leaves the network alone carries
// no subnets, and that keeps the service where it is, so the key may be
// absent there (servicesStayInOwnNetwork checks what it may name).
func updateLeavesAlone(st statement, variable string) bool {
	return variable == "ecs:subnet" && slices.Equal(st.Actions, []string{"ecs:UpdateService"})
}

// ec2ReadsListed checks that the deploy role writes nothing in EC2 (the
// network is bootstrap's) and reads it call by call: ec2:Describe* also
// reads launch templates' user data and instance attributes.
func ec2ReadsListed(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		for _, action := range st.Actions {
			if !st.allows() || service(action) != "ec2" {
				continue
			}
			if strings.ContainsAny(action, "*?") {
				return fmt.Errorf("statement %q allows %s: list the EC2 calls the stacks make (infra/deploy_calls_test.go)", st.Sid, action)
			}
			if !isRead(action) {
				return fmt.Errorf("statement %q allows %s: the network is bootstrap's, and the deploy role writes nothing in EC2", st.Sid, action)
			}
		}
	}
	return nil
}

// subset reports whether every value is one of allowed, and there is one.
func subset(values, allowed []string) bool {
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

// networkKey is a multi-valued condition key that pins a call to some of
// the environment's network IDs.
type networkKey struct {
	variable string
	allowed  []string
	// required: the call must carry the key (a Null false beside the
	// ForAllValues); false for an update that may leave the setting alone.
	required bool
}

// servicesStayInOwnNetwork checks that every grant that places a service or
// a load balancer pins it to this environment's network: ECS services to
// its private subnets without a public IP, load balancers to its public
// subnets and its load balancer's security group. Another environment's
// subnet would let the service join that environment's target groups and
// take its traffic.
func servicesStayInOwnNetwork(d deployment, _ []deployment, _ map[string]bool) error {
	n := d.network
	rules := map[string][]networkKey{
		"ecs:CreateService": {{"ecs:subnet", n.privateSubnets, true}},
		"ecs:UpdateService": {{"ecs:subnet", n.privateSubnets, false}},
		"elasticloadbalancing:CreateLoadBalancer": {
			{"elasticloadbalancing:Subnet", n.publicSubnets, true},
			{"elasticloadbalancing:SecurityGroup", []string{n.loadBalancerSecurityGroup}, true},
		},
		"elasticloadbalancing:SetSubnets":        {{"elasticloadbalancing:Subnet", n.publicSubnets, true}},
		"elasticloadbalancing:SetSecurityGroups": {{"elasticloadbalancing:SecurityGroup", []string{n.loadBalancerSecurityGroup}, true}},
	}
	granted := map[string]bool{}
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		for action, keys := range rules {
			if !st.matchesAction(action) {
				continue
			}
			granted[action] = true
			for _, k := range keys {
				values, ok := st.condition("ForAllValues:StringEquals", k.variable)
				if !ok || !subset(values, k.allowed) {
					return fmt.Errorf("statement %q allows %s with %s %v, not only this environment's %v", st.Sid, action, k.variable, values, k.allowed)
				}
				present, ok := st.condition("Null", k.variable)
				if k.required && (!ok || !slices.Equal(present, []string{"false"})) {
					return fmt.Errorf("statement %q allows %s without %s: ForAllValues holds for a request that names none", st.Sid, action, k.variable)
				}
			}
			if service(action) != "ecs" {
				continue
			}
			test := "Bool"
			if action == "ecs:UpdateService" {
				test = "BoolIfExists"
			}
			public, ok := st.condition(test, "ecs:auto-assign-public-ip")
			if !ok {
				public, ok = st.condition("Bool", "ecs:auto-assign-public-ip")
			}
			if !ok || !slices.Equal(public, []string{"false"}) {
				return fmt.Errorf("statement %q allows %s with a public IP (no %s ecs:auto-assign-public-ip = false)", st.Sid, action, test)
			}
		}
	}
	for action := range rules {
		if !granted[action] && action != "elasticloadbalancing:SetSecurityGroups" && action != "elasticloadbalancing:SetSubnets" {
			return fmt.Errorf("nothing allows %s: the service stack cannot deploy", action)
		}
	}
	return nil
}

// rolesOnlyAtRootPath checks that a deploy role cannot create a role under
// a path: the path is part of the ARN its CreateRole grant matches, and the
// name after it is free, while role names are unique in the account.
func rolesOnlyAtRootPath(d deployment, _ []deployment, _ map[string]bool) error {
	own := iamARN("role", "/", d.app+"-"+d.env+"-task")
	if !effectivelyAllows(d.deploy, "iam:CreateRole", own) {
		return fmt.Errorf("cannot create its task role %s", own)
	}
	squatted := iamARN("role", "/"+d.app+"-"+d.env+"-x/", "OrganizationAccountAccessRole")
	if effectivelyAllows(d.deploy, "iam:CreateRole", squatted) {
		return fmt.Errorf("may create %s: a path in its name pattern lets it take any role name", squatted)
	}
	return nil
}

// taskDefinitionsInOwnFamily checks that a deploy role registers task
// definitions only in its environment's family: AWS authorises
// RegisterTaskDefinition on the revision it creates, and a revision in
// another environment's or application's family is what anything that
// runs that family by name alone would run (issue 18 finding 2).
func taskDefinitionsInOwnFamily(d deployment, _ []deployment, _ map[string]bool) error {
	family := "arn:aws:ecs:us-east-1:" + testAccountID + ":task-definition/" + d.app + "-" + d.env + ":*"
	granted := false
	for _, st := range d.deploy.Statements {
		if !st.allows() || !st.matchesAction("ecs:RegisterTaskDefinition") {
			continue
		}
		for _, r := range st.Resources {
			if strings.Contains(r, ":task-definition/") && r != family || r == "*" {
				return fmt.Errorf("statement %q allows ecs:RegisterTaskDefinition on %s, not only the family %s", st.Sid, r, family)
			}
			granted = granted || r == family
		}
	}
	if !granted {
		return fmt.Errorf("no statement allows ecs:RegisterTaskDefinition on %s: the service cannot deploy", family)
	}
	return nil
}

// servicesJoinNoNamespace checks that every grant of CreateService and
// UpdateService requires the request to name no Service Connect namespace
// (Null ecs:namespace = true): a namespace joins the service to another
// application's services, outside the load balancer (issue 18 finding 3).
func servicesJoinNoNamespace(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() {
			continue
		}
		for _, action := range []string{"ecs:CreateService", "ecs:UpdateService"} {
			if !st.matchesAction(action) {
				continue
			}
			if absent, ok := st.condition("Null", "ecs:namespace"); !ok || !slices.Equal(absent, []string{"true"}) {
				return fmt.Errorf("statement %q allows %s without Null ecs:namespace = true: the service could join any Service Connect namespace", st.Sid, action)
			}
		}
	}
	return nil
}

// roleReadsTagged checks that the deploy and plan roles read roles (their
// policies, attachments, tags) only when the role carries this
// environment's tags: the name pattern "role/<app>-<env>-*" also matches
// application "<app>-<env>"'s roles (issue 18 finding 4).
func roleReadsTagged(d deployment, _ []deployment, _ map[string]bool) error {
	for _, role := range []struct {
		name string
		p    policy
	}{{"deploy role", d.deploy}, {"plan role", d.plan}} {
		for _, st := range role.p.Statements {
			if !st.allows() || !slices.ContainsFunc(st.Resources, func(r string) bool { return strings.Contains(r, ":role/") }) {
				continue
			}
			for _, action := range st.Actions {
				if service(action) == "iam" && isRead(action) && !d.requiresTags(st) {
					return fmt.Errorf("%s statement %q allows %s on roles not tagged Application = %s, Environment = %s", role.name, st.Sid, action, d.app, d.env)
				}
			}
		}
	}
	return nil
}

// scalingOnlyEcsServices checks that RegisterScalableTarget is granted
// only for an ECS service's desired count: the scalable target's ARN
// names no service, so without the conditions a deploy role could scale
// a DynamoDB table or a Lambda function's concurrency of any owner that
// carries no tags yet (issue 18 finding 5).
func scalingOnlyEcsServices(d deployment, _ []deployment, _ map[string]bool) error {
	for _, st := range d.deploy.Statements {
		if !st.allows() || !st.matchesAction("application-autoscaling:RegisterScalableTarget") {
			continue
		}
		if !st.requires("application-autoscaling:service-namespace", "ecs") {
			return fmt.Errorf("statement %q allows RegisterScalableTarget for any service namespace, not only ecs", st.Sid)
		}
		if !st.requires("application-autoscaling:scalable-dimension", "ecs:service:DesiredCount") {
			return fmt.Errorf("statement %q allows RegisterScalableTarget for any scalable dimension, not only ecs:service:DesiredCount", st.Sid)
		}
	}
	return nil
}
