package infra_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// TestDeployPoliciesAsStored applies the bootstrap stack to the AWS API
// emulator and reads every policy of every deploy role back through the
// AWS SDK, as IAM stores them: the trust policy, the inline and the
// attached policies, and the permissions boundary. The invariants that
// TestInvariants checks on the HCL must hold on what AWS holds too, which
// catches what rendering alone cannot (a policy document built from a
// different value than the one checked, a statement the provider drops).
//
// It applies with app_name "github-deploy", one of the names that used to
// make the deploy role match its own management pattern.
func TestDeployPoliciesAsStored(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t, moto.Options{})
	const app = "github-deploy"
	all := bootstrapAsStored(t, srv, app, testStateBucket, []string{"dev", "prod", "github"})
	client := iam.NewFromConfig(srv.AWSConfig())
	unscopable, err := unscopableActions()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		t.Logf("%s: read back %d trust, %d permission and %d boundary statements", d.roleARN, len(d.trust.Statements), len(d.deploy.Statements), len(d.boundaryP.Statements))
	}
	for _, c := range deploymentChecks {
		t.Run(c.name, func(t *testing.T) {
			if err := runCheck(c.check, all, unscopable); err != nil {
				t.Errorf("on the policies the emulator stores: %v", err)
			}
		})
	}

	// The read-back sees what is in IAM, not what the stack meant: a policy
	// someone adds to a deploy role by hand breaks the invariants.
	t.Run("a policy added by hand is caught", func(t *testing.T) {
		dev := all[0]
		roleName := dev.roleARN[strings.LastIndex(dev.roleARN, "/")+1:]
		_, err := client.PutRolePolicy(t.Context(), &iam.PutRolePolicyInput{
			RoleName:       aws.String(roleName),
			PolicyName:     aws.String("added-by-hand"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"AddedByHand","Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"*"}]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		tampered, err := storedDeployment(t, client, app, dev.env, dev.bucket, dev.roleARN, dev.boundary)
		if err != nil {
			t.Fatal(err)
		}
		err = runCheck(iamWritesUnderBoundary, []deployment{tampered}, unscopable)
		if err == nil {
			t.Fatal("the invariants passed on a role with iam:PutRolePolicy on *")
		}
		t.Logf("fails as it should: %v", err)
	})
}

// bootstrapAsStored applies the bootstrap stack for one app name and its
// environments to the emulator srv, and reads every environment's deploy
// role back through the AWS SDK as IAM stores it (storedDeployment), in
// the order of envs. vars are further "-var" settings. Several app names
// may share one emulator, as they share an account: the first creates the
// GitHub OIDC provider, and the others must be given its ARN in vars.
func bootstrapAsStored(t *testing.T, srv *moto.Server, app, stateBucket string, envs []string, vars ...string) []deployment {
	t.Helper()
	terraform := tooltest.Path(t, "terraform")
	if moto.AccountID != testAccountID {
		t.Fatalf("the emulator answers for account %s, the checks expect %s", moto.AccountID, testAccountID)
	}
	stack := newEmulatedStack(t, terraform, localProvider(t, os.Getenv("TF_PROVIDER_MIRROR")), srv, "bootstrap "+app, stackDirs["bootstrap"])
	stack.init(t, nil)
	stack.must(t, append([]string{"apply", "-auto-approve", "-input=false",
		"-var", "app_name=" + app,
		"-var", `environments=["` + strings.Join(envs, `","`) + `"]`,
		"-var", "github_repository=" + testRepository,
		"-var", "github_repository_id=" + testRepositoryID,
		"-var", "github_owner_id=" + testOwnerID,
		"-var", "state_bucket_name=" + stateBucket,
		"-var", "region=" + moto.Region,
	}, vars...)...)
	var outputs struct {
		Roles      struct{ Value map[string]string } `json:"deploy_role_arns"`
		PlanRoles  struct{ Value map[string]string } `json:"plan_role_arns"`
		Boundaries struct{ Value map[string]string } `json:"permissions_boundary_arns"`
		Networks   struct {
			Value map[string]struct {
				LoadBalancerSecurityGroup string   `json:"load_balancer_security_group_id"`
				ServiceSecurityGroup      string   `json:"service_security_group_id"`
				PublicSubnets             []string `json:"public_subnet_ids"`
				PrivateSubnets            []string `json:"private_subnet_ids"`
			}
		} `json:"networks"`
	}
	if err := json.Unmarshal([]byte(stack.must(t, "output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	client := iam.NewFromConfig(srv.AWSConfig())
	var all []deployment
	for _, e := range envs {
		d, err := storedDeployment(t, client, app, e, stateBucket, outputs.Roles.Value[e], outputs.Boundaries.Value[e])
		if err != nil {
			t.Fatalf("app_name %q, environment %s: %v", app, e, err)
		}
		plan, err := readStoredRole(t, client, outputs.PlanRoles.Value[e])
		if err == nil && len(plan.attached) > 0 {
			err = fmt.Errorf("%d managed policies are attached; the plan role has its inline policy only", len(plan.attached))
		}
		if err != nil {
			t.Fatalf("app_name %q, environment %s: plan role: %v", app, e, err)
		}
		d.planRole, d.planTrust, d.plan, d.planDocuments = plan.arn, plan.trust, plan.permissions, plan.documents
		n, ok := outputs.Networks.Value[e]
		if !ok || len(n.PrivateSubnets) == 0 || len(n.PublicSubnets) == 0 {
			t.Fatalf("app_name %q, environment %s: bootstrap output no network for it: %+v", app, e, outputs.Networks.Value)
		}
		d.network = network{
			privateSubnets: n.PrivateSubnets, publicSubnets: n.PublicSubnets,
			loadBalancerSecurityGroup: n.LoadBalancerSecurityGroup, serviceSecurityGroup: n.ServiceSecurityGroup,
		}
		all = append(all, d)
	}
	return all
}

// storedDeployment reads one environment's deploy role and boundary from
// IAM: every inline and attached policy of the role, not only the ones the
// stack names.
func storedDeployment(t *testing.T, client *iam.Client, app, env, bucket, roleARN, boundaryARN string) (deployment, error) {
	if roleARN == "" || boundaryARN == "" {
		return deployment{}, fmt.Errorf("the stack output no role (%q) or boundary (%q)", roleARN, boundaryARN)
	}
	d := deployment{app: app, env: env, repository: testRepository, bucket: bucket}
	role, err := readStoredRole(t, client, roleARN)
	if err != nil {
		return d, err
	}
	d.roleARN, d.trust, d.deploy, d.parts, d.documents, d.policies = role.arn, role.trust, role.permissions, role.parts, role.documents, role.attached
	if role.inline == 0 || len(role.attached) == 0 {
		return d, fmt.Errorf("the role has %d inline and %d attached policies, want both", role.inline, len(role.attached))
	}
	d.boundary = boundaryARN
	if d.boundaryP, d.documents["boundary"], err = storedManagedPolicy(t, client, boundaryARN); err != nil {
		return d, fmt.Errorf("boundary: %w", err)
	}
	return d, nil
}

// storedRole is a role as IAM stores it: its trust policy, and its
// inline and attached policies, one by one (by "inline <name>" or
// "attached <name>") and together.
type storedRole struct {
	arn         string
	trust       policy
	permissions policy
	parts       map[string]policy
	documents   map[string]string
	inline      int      // how many inline policies
	attached    []string // the attached policies' ARNs
}

// readStoredRole reads the role roleARN from IAM.
func readStoredRole(t *testing.T, client *iam.Client, roleARN string) (storedRole, error) {
	ctx := t.Context()
	r := storedRole{parts: map[string]policy{}, documents: map[string]string{}}
	if roleARN == "" {
		return r, errors.New("the stack output no role")
	}
	roleName := roleARN[strings.LastIndex(roleARN, "/")+1:]
	role, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
	if err != nil {
		return r, err
	}
	r.arn = aws.ToString(role.Role.Arn)
	if r.arn != roleARN {
		return r, fmt.Errorf("IAM says the role is %s, the output %s", r.arn, roleARN)
	}
	if r.trust, err = parsePolicyJSON(aws.ToString(role.Role.AssumeRolePolicyDocument)); err != nil {
		return r, fmt.Errorf("trust policy: %w", err)
	}
	add := func(name string, p policy, doc string) {
		r.parts[name] = p
		r.documents[name] = doc
		r.permissions.Statements = append(r.permissions.Statements, p.Statements...)
	}
	inline, err := client.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		return r, err
	}
	for _, name := range inline.PolicyNames {
		out, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(name)})
		if err != nil {
			return r, err
		}
		p, err := parsePolicyJSON(aws.ToString(out.PolicyDocument))
		if err != nil {
			return r, fmt.Errorf("inline policy %s: %w", name, err)
		}
		add("inline "+name, p, policyDocumentJSON(aws.ToString(out.PolicyDocument)))
		r.inline++
	}
	attached, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		return r, err
	}
	for _, a := range attached.AttachedPolicies {
		p, doc, err := storedManagedPolicy(t, client, aws.ToString(a.PolicyArn))
		if err != nil {
			return r, err
		}
		add("attached "+aws.ToString(a.PolicyName), p, doc)
		r.attached = append(r.attached, aws.ToString(a.PolicyArn))
	}
	return r, nil
}

// storedManagedPolicy reads the default version of a managed policy, and
// returns its document as JSON too.
func storedManagedPolicy(t *testing.T, client *iam.Client, arn string) (policy, string, error) {
	got, err := client.GetPolicy(t.Context(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return policy{}, "", err
	}
	version, err := client.GetPolicyVersion(t.Context(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: got.Policy.DefaultVersionId})
	if err != nil {
		return policy{}, "", err
	}
	doc := policyDocumentJSON(aws.ToString(version.PolicyVersion.Document))
	p, err := parsePolicyJSON(doc)
	if err != nil {
		return policy{}, "", fmt.Errorf("%s: %w", arn, err)
	}
	return p, doc, nil
}
