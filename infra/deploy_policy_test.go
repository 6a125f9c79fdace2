package infra_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A deployment is what the bootstrap stack creates for one environment,
// with the policies rendered from the HCL or read back from AWS.
type deployment struct {
	app, env   string
	repository string // GitHub owner/name
	bucket     string // the state bucket
	roleARN    string // the deploy role
	boundary   string // ARN of the permissions boundary
	trust      policy // the deploy role's trust policy
	deploy     policy // the deploy role's permissions: all its policies' statements
	boundaryP  policy // the boundary's permissions
	// The deploy role's policies one by one (inline and managed), by name,
	// to measure against IAM's size limits; and the managed ones' ARNs.
	parts    map[string]policy
	policies []string
	// The environment's network (bootstrap's module.network), whose IDs the
	// ECS and load balancer grants are pinned to.
	network network
	// The read-only role of the nightly drift check, its trust and its
	// permissions.
	planRole  string
	planTrust policy
	plan      policy
	// Read back from IAM only: the plan role's inline policies as stored.
	planDocuments map[string]string
	// Read back from IAM only: each of parts, and the boundary under
	// "boundary", as the JSON document IAM stores.
	documents map[string]string
}

// The app names every invariant is checked for: the default, the names
// that used to collide with the deploy role's own name ("github",
// "github-deploy"), and the longest name the validation accepts, which
// also starts like the deploy role's path.
var testAppNames = []string{"goship", "github", "github-deploy", "github-deploy-ab"}

// testEnvironments include names that spell parts of the deploy role's
// path, and the longest name the pipeline accepts.
var testEnvironments = []string{"dev", "prod", "github", "deploy", "abcdefghij"}

const (
	testRepository = "example/goship"
	// The numeric IDs of testRepository and its owner, which the trust
	// policies' subject names.
	testRepositoryID = "1296269"
	testOwnerID      = "9919"
	testStateBucket  = "goship-tfstate-123456789012"
)

// deployments renders the bootstrap stack for every test app name, each
// with every test environment.
func deployments(stacks map[string]*module) ([]deployment, error) {
	var all []deployment
	for _, app := range testAppNames {
		ds, err := renderBootstrap(stacks["bootstrap"], app, testEnvironments)
		if err != nil {
			return nil, fmt.Errorf("app_name %q: %w", app, err)
		}
		all = append(all, ds...)
	}
	return all, nil
}

// iamARN is the ARN IAM gives a role or policy of that path and name.
func iamARN(kind, path, name string) string {
	return "arn:aws:iam::" + testAccountID + ":" + kind + path + name // kind is "role" or "policy"
}

// renderBootstrap evaluates the bootstrap stack for one app name: the
// deploy role, its trust and permissions, and the boundary of each
// environment. The ARNs the provider would compute are built from the
// resources' own name and path, the way IAM builds them.
func renderBootstrap(m *module, app string, envs []string) ([]deployment, error) {
	envList := make([]cty.Value, len(envs))
	for i, e := range envs {
		envList[i] = cty.StringVal(e)
	}
	base, err := newScope(m, map[string]cty.Value{
		"app_name":             cty.StringVal(app),
		"environments":         cty.ListVal(envList),
		"github_repository":    cty.StringVal(testRepository),
		"github_repository_id": cty.StringVal(testRepositoryID),
		"github_owner_id":      cty.StringVal(testOwnerID),
		"state_bucket_name":    cty.StringVal(testStateBucket),
		"region":               cty.StringVal("us-east-1"),
	})
	if err != nil {
		return nil, err
	}
	if ok, err := accepts(m, "app_name", cty.StringVal(app)); err != nil || !ok {
		return nil, fmt.Errorf("the app_name validation rejects %q (%w): the test names must be valid ones", app, err)
	}

	arns := func(typ, name, kind string) (map[string]string, error) {
		b := m.resource(typ, name)
		if b == nil {
			return nil, fmt.Errorf("no resource %s.%s", typ, name)
		}
		keys, err := base.instanceKeys(b)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", typ, name, err)
		}
		out := map[string]string{}
		for _, k := range keys {
			s := base.instance(b, k)
			n, err := s.string(attr(b, "name"))
			if err != nil {
				return nil, fmt.Errorf("%s.%s[%q].name: %w", typ, name, k, err)
			}
			path := "/"
			if attr(b, "path") != nil {
				if path, err = s.string(attr(b, "path")); err != nil {
					return nil, err
				}
			}
			out[k] = iamARN(kind, path, n)
		}
		return out, nil
	}
	roles, err := arns("aws_iam_role", "deploy", "role")
	if err != nil {
		return nil, err
	}
	boundaries, err := arns("aws_iam_policy", "boundary", "policy")
	if err != nil {
		return nil, err
	}
	planRoles, err := arns("aws_iam_role", "plan", "role")
	if err != nil {
		return nil, err
	}
	objects := func(byKey map[string]string) cty.Value {
		m := map[string]cty.Value{}
		for k, arn := range byKey {
			m[k] = cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal(arn)})
		}
		if len(m) == 0 {
			return cty.EmptyObjectVal
		}
		return cty.ObjectVal(m)
	}
	s := base.with(map[string]cty.Value{
		"aws_s3_bucket": cty.ObjectVal(map[string]cty.Value{"this": cty.ObjectVal(map[string]cty.Value{
			"arn": cty.StringVal("arn:aws:s3:::" + testStateBucket), "id": cty.StringVal(testStateBucket),
		})}),
		"aws_iam_policy":                  cty.ObjectVal(map[string]cty.Value{"boundary": objects(boundaries)}),
		"aws_iam_role":                    cty.ObjectVal(map[string]cty.Value{"deploy": objects(roles), "plan": objects(planRoles)}),
		"aws_iam_openid_connect_provider": cty.ObjectVal(map[string]cty.Value{"github": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal(githubOIDCProvider)})})}),
		"module":                          cty.ObjectVal(map[string]cty.Value{"network": testNetworks(envs)}),
	})

	docs := map[string]map[string]policy{}
	networkPolicies, err := arns("aws_iam_policy", "deploy_network", "policy")
	if err != nil {
		return nil, err
	}
	monitoringPolicies, err := arns("aws_iam_policy", "deploy_monitoring", "policy")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"deploy", "deploy_network", "deploy_monitoring", "deploy_assume", "boundary", "plan"} {
		blocks := m.blocks("data", "aws_iam_policy_document", name)
		if len(blocks) != 1 {
			return nil, fmt.Errorf("want one data.aws_iam_policy_document.%s, found %d", name, len(blocks))
		}
		keys, err := s.instanceKeys(blocks[0])
		if err != nil {
			return nil, fmt.Errorf("data.aws_iam_policy_document.%s: %w", name, err)
		}
		docs[name] = map[string]policy{}
		for _, k := range keys {
			p, err := s.instance(blocks[0], k).renderPolicyDocument(blocks[0])
			if err != nil {
				return nil, fmt.Errorf("data.aws_iam_policy_document.%s[%q]: %w", name, k, err)
			}
			docs[name][k] = p
		}
	}
	var out []deployment
	for _, env := range envs {
		d := deployment{
			app: app, env: env, repository: testRepository, bucket: testStateBucket,
			roleARN: roles[env], boundary: boundaries[env],
			trust: docs["deploy_assume"][env], boundaryP: docs["boundary"][env],
			parts: map[string]policy{
				"deploy": docs["deploy"][env], "deploy_network": docs["deploy_network"][env], "deploy_monitoring": docs["deploy_monitoring"][env],
			},
			policies: []string{networkPolicies[env], monitoringPolicies[env]},
			network:  testNetwork(env),
			planRole: planRoles[env], plan: docs["plan"][env],
		}
		// The plan role shares the deploy role's trust document; any other
		// assume_role_policy renders as no trust at all, which the trust
		// invariant rejects.
		if plan := m.resource("aws_iam_role", "plan"); plan != nil && readsOnly(attr(plan, "assume_role_policy"), "data.aws_iam_policy_document.deploy_assume") {
			d.planTrust = docs["deploy_assume"][env]
		}
		d.deploy.Statements = slices.Concat(docs["deploy"][env].Statements, docs["deploy_network"][env].Statements, docs["deploy_monitoring"][env].Statements)
		if d.roleARN == "" || d.boundary == "" || networkPolicies[env] == "" || monitoringPolicies[env] == "" || len(d.deploy.Statements) == 0 || len(d.trust.Statements) == 0 || len(d.boundaryP.Statements) == 0 {
			return nil, fmt.Errorf("environment %q: the stack does not create a deploy role, trust, permissions and boundary for it", env)
		}
		out = append(out, d)
	}
	return out, nil
}

// testNetwork makes up an environment's network IDs, different for every
// environment, as AWS's would be.
func testNetwork(env string) network {
	id := func(kind, part string) string { return fmt.Sprintf("%s-%x", kind, "0"+env+part) }
	return network{
		loadBalancerSecurityGroup: id("sg", "lb"),
		serviceSecurityGroup:      id("sg", "svc"),
		publicSubnets:             []string{id("subnet", "pub1"), id("subnet", "pub2")},
		privateSubnets:            []string{id("subnet", "prv1"), id("subnet", "prv2")},
	}
}

// testNetworks is bootstrap's module.network, by environment.
func testNetworks(envs []string) cty.Value {
	list := func(ss []string) cty.Value {
		vals := make([]cty.Value, len(ss))
		for i, s := range ss {
			vals[i] = cty.StringVal(s)
		}
		return cty.ListVal(vals)
	}
	byEnv := map[string]cty.Value{}
	for _, env := range envs {
		n := testNetwork(env)
		byEnv[env] = cty.ObjectVal(map[string]cty.Value{
			"vpc_id":                          cty.StringVal(fmt.Sprintf("vpc-%x", "0"+env)),
			"public_subnet_ids":               list(n.publicSubnets),
			"private_subnet_ids":              list(n.privateSubnets),
			"load_balancer_security_group_id": cty.StringVal(n.loadBalancerSecurityGroup),
			"service_security_group_id":       cty.StringVal(n.serviceSecurityGroup),
			"parameter_name":                  cty.StringVal("/" + env + "/network"),
		})
	}
	return cty.ObjectVal(byEnv)
}

// readsOnly reports whether expr takes its value from the named data source
// or resource (three steps, such as data.aws_iam_policy_document.x) and
// from no other.
func readsOnly(expr hclsyntax.Expression, name string) bool {
	found := false
	for _, tr := range expr.Variables() {
		switch tr.RootName() {
		case "each", "count", "var", "local":
			continue
		}
		if traversalName(tr, strings.Count(name, ".")+1) != name {
			return false
		}
		found = true
	}
	return found
}

const githubOIDCProvider = "arn:aws:iam::" + testAccountID + ":oidc-provider/token.actions.githubusercontent.com"

// accepts evaluates a variable's validation conditions for a value.
func accepts(m *module, name string, v cty.Value) (bool, error) {
	b := m.variable(name)
	if b == nil {
		return false, fmt.Errorf("no variable %s", name)
	}
	for _, val := range nested(b, "validation") {
		ok, err := m.eval(attr(val, "condition"), map[string]cty.Value{name: v})
		if err != nil {
			return false, err
		}
		if ok.False() {
			return false, nil
		}
	}
	return true, nil
}

// protectedARNs are what no deploy role may change: every deploy role and
// every boundary of the app, in every environment.
func protectedARNs(ds []deployment, app string) []string {
	var arns []string
	for _, d := range ds {
		if d.app == app {
			arns = append(arns, d.roleARN, d.boundary)
			arns = append(arns, d.policies...)
		}
	}
	return arns
}

// The IAM actions the invariants treat specially, by what an Allow of them
// needs.
var (
	// Accept iam:PermissionsBoundary, so may be granted only with it.
	boundaryKeyedActions = []string{
		"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
		"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
	}
	// Writes that take no boundary condition but change no permissions;
	// granted only on roles carrying this environment's tags, or, for
	// TagRole, only to set them.
	taggedIAMActions = []string{"iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole"}
	// What an explicit Deny must cover on the deploy roles and boundaries.
	selfProtectionActions = []string{
		"iam:AttachRolePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
		"iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
		"iam:PassRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:SetDefaultPolicyVersion",
		"iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
	}
)

// isRead reports whether an action (or action pattern) only reads.
func isRead(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, prefix := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func service(action string) string {
	svc, _, _ := strings.Cut(action, ":")
	return strings.ToLower(svc)
}

// requiresTags reports whether a statement applies only to resources (or
// requests) carrying this environment's Application and Environment tags.
func (d deployment) requiresTags(st statement) bool {
	for _, key := range []string{"aws:ResourceTag", "aws:RequestTag"} {
		if st.requires(key+"/Application", d.app) && st.requires(key+"/Environment", d.env) {
			return true
		}
	}
	return false
}

// names reports whether a resource pattern names this environment's own
// resources: "<app>-<env>" followed by the end, "-", "/" or ":", or the
// state prefix "<app>/<env>/", with no wildcard before it (so that
// "arn:aws:*:*:*:*<app>-<env>" does not pass for a name).
func (d deployment) names(resource string) bool {
	for _, name := range []string{d.app + "-" + d.env, d.app + "/" + d.env + "/"} {
		i := strings.Index(resource, name)
		if i < 0 || strings.ContainsAny(resource[:i], "*?") {
			continue
		}
		rest := resource[i+len(name):]
		if strings.HasSuffix(name, "/") || rest == "" || strings.ContainsAny(rest[:1], "-/:") {
			return true
		}
	}
	return false
}

// serviceRoles returns the service stack's aws_iam_role blocks.
func serviceRoles(m *module) []*hclsyntax.Block { return m.resources("aws_iam_role") }

// IAM's size limits, in characters without whitespace: all inline policies
// of one role together, one managed policy, one trust policy (the default
// quota).
const (
	inlinePolicyLimit  = 10240
	managedPolicyLimit = 6144
	trustPolicyLimit   = 2048
)

// TestPoliciesFitIAMLimits renders each environment's policies for the
// longest valid names: an apply that IAM rejects as too large would leave
// bootstrap half-applied.
func TestPoliciesFitIAMLimits(t *testing.T) {
	t.Parallel()
	all, err := deployments(loadStacks(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		for _, c := range []struct {
			name  string
			p     policy
			limit int
		}{
			{"inline deploy policy", d.parts["deploy"], inlinePolicyLimit},
			{"managed network policy", d.parts["deploy_network"], managedPolicyLimit},
			{"managed monitoring policy", d.parts["deploy_monitoring"], managedPolicyLimit},
			{"boundary", d.boundaryP, managedPolicyLimit},
			{"trust policy", d.trust, trustPolicyLimit},
		} {
			doc, err := c.p.json()
			if err != nil {
				t.Fatal(err)
			}
			size := len(strings.Join(strings.Fields(string(doc)), ""))
			if size > c.limit {
				t.Errorf("app_name %q, environment %q: the %s is %d characters, over IAM's %d", d.app, d.env, c.name, size, c.limit)
			}
			if d.app == testAppNames[len(testAppNames)-1] && d.env == testEnvironments[len(testEnvironments)-1] {
				t.Logf("%s for the longest names: %d of %d characters", c.name, size, c.limit)
			}
		}
	}
}
