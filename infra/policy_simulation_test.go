package infra_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// The IAM simulation decides calls the way AWS would, offline: moto
// stores policies but enforces none, so only a simulator shows whether a
// condition holds. infra/iamsim pins @cloud-copilot/iam-simulate and
// iam-data; simulate.mjs decides a batch of cases.

// simulatedAccount is one AWS account with two applications whose names
// overlap: every "goship-dev-*" pattern of goship's dev role also matches
// the names of goship-dev's resources ("goship-dev-dev-task").
var simulatedApps = []struct{ app, stateBucket string }{
	{"goship", "goship-tfstate-" + testAccountID},
	{"goship-dev", "goship-dev-tfstate-" + testAccountID},
}

var simulatedEnvironments = []string{"dev", "prod"}

// iamsimDir holds the simulator's package.json, lock file and script.
const iamsimDir = "iamsim"

// requireSimulator returns the path of node, or skips (fails, when
// REQUIRE_TOOLS names node) when node or the simulator's packages are
// missing.
func requireSimulator(t *testing.T) string {
	t.Helper()
	node := tooltest.Path(t, "node")
	if _, err := os.Stat(filepath.Join(iamsimDir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		msg := fmt.Sprintf("the IAM simulator's packages are not installed (%v): run npm ci --prefix infra/iamsim", err)
		if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "node") {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	return node
}

// accountAsStored applies bootstrap for every simulated app name to one
// emulator, as one account, and returns every environment's deploy role as
// IAM stores it. Bootstrap's options that change a policy are on: every
// environment names an existing alarm topic (alarm_topic_arns, so its
// alarms may notify either topic), and goship-dev's prod runs in a VPC a
// platform team made (networks), whose subnets its policy is pinned to.
func accountAsStored(t *testing.T) []deployment {
	t.Helper()
	srv := moto.Start(t, moto.Options{})
	platform := createPlatformNetwork(t, ec2.NewFromConfig(srv.AWSConfig()))
	oidc := "github_oidc_provider_arn=arn:aws:iam::" + testAccountID + ":oidc-provider/token.actions.githubusercontent.com"
	var all []deployment
	for i, a := range simulatedApps {
		var topics []string
		for _, env := range simulatedEnvironments {
			topics = append(topics, fmt.Sprintf("%s=%q", env, strings.NewReplacer("<app>", a.app, "<env>", env).Replace(pagingTopic)))
		}
		vars := []string{"-var", "alarm_topic_arns={" + strings.Join(topics, ",") + "}"}
		if i > 0 {
			vars = append(vars,
				"-var", oidc, // one provider per account: the first app's
				"-var", fmt.Sprintf("networks={prod={vpc_id=%q,public_subnet_ids=%s,private_subnet_ids=%s}}",
					platform.vpcID, hclList(platform.publicSubnets), hclList(platform.privateSubnets)))
		}
		all = append(all, bootstrapAsStored(t, srv, a.app, a.stateBucket, simulatedEnvironments, vars...)...)
	}
	return all
}

// simulatedNetworks are the networks the request contexts name, by
// "<app>/<env>": the ones bootstrap applied to the emulator, as it wrote
// them into each deploy policy.
func simulatedNetworks(all []deployment) map[string]network {
	nets := map[string]network{}
	for _, d := range all {
		nets[d.app+"/"+d.env] = d.network
	}
	return nets
}

// simCase is one request for simulate.mjs.
type simCase struct {
	Name                string          `json:"name"`
	Principal           string          `json:"principal"`
	IdentityPolicies    []namedPolicy   `json:"identityPolicies"`
	PermissionsBoundary json.RawMessage `json:"permissionsBoundary"`
	Action              string          `json:"action"`
	Resource            string          `json:"resource"`
	AccountID           string          `json:"accountId"`
	Context             map[string]any  `json:"context"`
}

type namedPolicy struct {
	Name   string          `json:"name"`
	Policy json.RawMessage `json:"policy"`
}

type simResult struct {
	Name     string          `json:"name"`
	Decision string          `json:"decision"`
	Deciders []string        `json:"deciders"`
	Errors   json.RawMessage `json:"errors"`
}

// decidedBy reduces the simulator's deciders ("policy/Sid",
// "implicit:<policy type>") to Sids and "implicit", sorted.
func (r simResult) decidedBy() []string {
	var out []string
	for _, d := range r.Deciders {
		switch {
		case strings.HasPrefix(d, "implicit"):
			out = append(out, "implicit")
		default:
			out = append(out, d[strings.LastIndex(d, "/")+1:])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// identityPolicies are the deploy role's policies as the simulator takes
// them: the documents IAM stores, by part name.
func identityPolicies(d deployment) []namedPolicy {
	var out []namedPolicy
	for _, name := range slices.Sorted(maps.Keys(d.parts)) {
		out = append(out, namedPolicy{Name: name, Policy: json.RawMessage(d.documents[name])})
	}
	return out
}

// callCase builds the simulator's case for caller making action on arn
// (a sampleARN pattern with request's placeholders) with r against victim.
func callCase(name string, caller, victim deployment, nets map[string]network, action, arn string, r request) simCase {
	p := newPlaceholders(caller, victim, nets)
	// The deploy role has no permissions boundary of its own: "boundary"
	// in its documents is the one it must put on the roles it creates.
	return simCase{
		Name:             name,
		Principal:        caller.roleARN,
		IdentityPolicies: identityPolicies(caller),
		Action:           action,
		Resource:         sampleARN(p.string(arn), caller.app, caller.env),
		AccountID:        testAccountID,
		Context:          requestContext(action, r, p),
	}
}

// simulate decides every case in one run of simulate.mjs.
func simulate(t *testing.T, node string, cases []simCase) map[string]simResult {
	t.Helper()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "simulate.mjs")
	cmd.Dir = iamsimDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node infra/iamsim/simulate.mjs (%d cases): %v\n%s", len(cases), err, stderr.Bytes())
	}
	var results []simResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("simulate.mjs printed no JSON array of results: %v\n%s", err, out)
	}
	if len(results) != len(cases) {
		t.Fatalf("simulate.mjs decided %d of %d cases", len(results), len(cases))
	}
	byName := map[string]simResult{}
	for _, r := range results {
		if _, dup := byName[r.Name]; dup {
			t.Fatalf("two cases are named %q", r.Name)
		}
		byName[r.Name] = r
	}
	return byName
}

// neededCases are every call of calls of every deployment on its own
// resources, with what each sends, made by the role as picks of it
// (deployRole, or asPlanRole), each named after label.
func neededCases(all []deployment, nets map[string]network, calls []neededCall, as func(deployment) deployment, label string) []simCase {
	var cases []simCase
	for _, d := range all {
		role := as(d)
		for i, c := range calls {
			name := fmt.Sprintf("%s %s/%s #%d %s on %s (%s)", label, d.app, d.env, i, c.action, c.arn, c.caller)
			cases = append(cases, callCase(name, role, role, nets, c.action, c.arn, c.sends))
		}
	}
	return cases
}

// deployRole is a deployment as its deploy role, which it is already.
func deployRole(d deployment) deployment { return d }

// planCalls are the calls the nightly drift check makes with the plan
// role: terraform init and plan (refresh) of the registry and service
// stacks without the lock, with every optional resource on
// (optionalBlocks), the pipeline's choice of the running image, and its
// status of the signals.
var planCalls = slices.Concat(sendingAsListed(planResourceCalls), planSignalCalls(), []neededCall{
	// HeadBucket, as s3:ListBucket with no prefix: the refresh of the
	// access-log bucket (issue 18 finding 1: the drift check failed where
	// access logs are on).
	{stackCall{"s3:ListBucket", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log refresh (HeadBucket)"}, request{}},
})

var planResourceCalls = []stackCall{
	{"s3:GetObject", "s3:<bucket>/<app>/<env>/service.tfstate", "S3 backend (plan)"},
	{"s3:ListBucket", "s3:<bucket>", "S3 backend init, the preflight's state bucket check"},
	{"ecs:DescribeServices", "ecs:service/<app>-<env>/<app>-<env>", "aws_ecs_service refresh, choosePlanImage"},
	{"ecs:DescribeClusters", "ecs:cluster/<app>-<env>", "aws_ecs_cluster refresh"},
	{"ecs:DescribeTaskDefinition", "*", "aws_ecs_task_definition refresh, choosePlanImage"},
	{"elasticloadbalancing:DescribeLoadBalancers", "*", "aws_lb refresh"},
	{"elasticloadbalancing:DescribeTargetGroups", "*", "aws_lb_target_group refresh"},
	{"application-autoscaling:DescribeScalableTargets", "*", "aws_appautoscaling_target refresh"},
	{"cloudwatch:DescribeAlarms", "*", "target tracking refresh"},
	{"logs:DescribeLogGroups", "*", "aws_cloudwatch_log_group refresh"},
	{"iam:GetRole", "iam:role/<app>-<env>-task", "aws_iam_role refresh"},
	{"iam:GetRolePolicy", "iam:role/<app>-<env>-execution", "aws_iam_role_policy refresh"},
	{"ecr:DescribeRepositories", "ecr:repository/<app>-<env>", "aws_ecr_repository refresh"},
	{"ssm:GetParameter", "ssm:parameter/<app>/<env>/network", "data aws_ssm_parameter.network, the preflight's bootstrap outputs check"},
	{"ssm:GetParameter", "ssm:parameter/<app>/<env>/alarm-topic-key", "data aws_ssm_parameter.alarm_topic_key, the preflight's bootstrap outputs check"},
	{"elasticloadbalancing:DescribeLoadBalancerAttributes", "*", "aws_lb.this access_logs refresh"},
	{"elasticloadbalancing:DescribeListeners", "*", "aws_lb_listener.http redirect, aws_lb_listener.https refresh"},
	{"s3:GetBucketAcl", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket.log refresh (and its other GetBucket* reads)"},
	{"s3:GetBucketPolicy", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_policy.log refresh"},
	{"s3:GetBucketPublicAccessBlock", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_public_access_block.log refresh"},
	{"s3:GetBucketOwnershipControls", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_ownership_controls.log refresh"},
	{"s3:GetEncryptionConfiguration", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_server_side_encryption_configuration.log refresh"},
	{"s3:GetLifecycleConfiguration", "s3:<app>-<env>-logs-123456789012", "aws_s3_bucket_lifecycle_configuration.log refresh"},
}

// planAttacks are what the plan role must never do: write anything (the
// state, its lock, the service), or read another environment.
var planAttacks = []attack{
	{"13.8", "plan role: take the state lock", ownEnvironment, "s3:PutObject", "s3:<bucket>/<app>/<env>/service.tfstate.tflock", request{}, "implicit"},
	{"13.8", "plan role: overwrite the state", ownEnvironment, "s3:PutObject", "s3:<bucket>/<app>/<env>/service.tfstate", request{}, "implicit"},
	{"13.8", "plan role: delete a state version", ownEnvironment, "s3:DeleteObjectVersion", "s3:<bucket>/<app>/<env>/service.tfstate", request{}, "implicit"},
	{"13.8", "plan role: read the other environment's state", otherEnvironment, "s3:GetObject", "s3:<bucket>/<vapp>/<venv>/service.tfstate", request{}, "implicit"},
	{"13.8", "plan role: update its service", ownEnvironment, "ecs:UpdateService", "ecs:service/<app>-<env>/<app>-<env>",
		request{taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/<app>-<env>:1"}, "implicit"},
	{"13.8", "plan role: push an image", ownEnvironment, "ecr:PutImage", "ecr:repository/<app>-<env>", request{}, "implicit"},
	{"13.8", "plan role: pass its task role", ownEnvironment, "iam:PassRole", "iam:role/<app>-<env>-task", request{passedToService: "ecs-tasks.amazonaws.com"}, "implicit"},
	{"13.8", "plan role: read the other environment's network", otherEnvironment, "ssm:GetParameter", "ssm:parameter/<vapp>/<venv>/network", request{}, "implicit"},
	{"18", "plan role: force its alarm's state", ownEnvironment, "cloudwatch:SetAlarmState", "cloudwatch:alarm:<app>-<env>-target-5xx", request{}, "implicit"},
	{"18", "plan role: rewrite its alarm", ownEnvironment, "cloudwatch:PutMetricAlarm", "cloudwatch:alarm:<app>-<env>-target-5xx",
		request{tags: ownTags, alarmActions: []string{"arn:aws:sns:us-east-1:123456789012:<app>-<env>-alarms"}}, "implicit"},
	{"18", "plan role: subscribe to its alarm topic", ownEnvironment, "sns:Subscribe", "sns:<app>-<env>-alarms", request{protocol: "email", endpoint: "someone@example.net"}, "implicit"},
	{"18", "plan role: replace its dashboard", ownEnvironment, "cloudwatch:PutDashboard", "cloudwatch::dashboard/<app>-<env>", request{}, "implicit"},
	{"18", "plan role: read the overlapping app's alarm history", overlappingApp, "cloudwatch:DescribeAlarmHistory", "cloudwatch:alarm:<vapp>-<venv>-target-5xx", request{targetTags: victimTags}, "implicit"},
	{"18", "plan role: read the overlapping app's dashboard", overlappingApp, "cloudwatch:GetDashboard", "cloudwatch::dashboard/<vapp>-<venv>", request{}, "implicit"},
	{"18", "plan role: read the overlapping app's topic", overlappingApp, "sns:GetTopicAttributes", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags}, "implicit"},
	{"18", "plan role: read who the overlapping app's subscription mails", overlappingApp, "sns:GetSubscriptionAttributes", "sns:<vapp>-<venv>-alarms", request{targetTags: victimTags}, "implicit"},
	{"18.4", "plan role: read the overlapping app's task role", overlappingApp, "iam:GetRole", "iam:role/<vapp>-<venv>-task", request{targetTags: victimTags, targetBoundary: "<vboundary>"}, "implicit"},
	{"18.4", "plan role: read the overlapping app's execution role policy", overlappingApp, "iam:GetRolePolicy", "iam:role/<vapp>-<venv>-execution", request{targetTags: victimTags, targetBoundary: "<vboundary>"}, "implicit"},
}

// asPlanRole is d as its plan role: the principal and the policies the
// simulator decides with.
func asPlanRole(d deployment) deployment {
	p := d
	p.roleARN = d.planRole
	p.documents = d.planDocuments
	p.parts = map[string]policy{}
	for name := range d.planDocuments {
		p.parts[name] = d.plan
	}
	return p
}

// TestPolicySimulation applies bootstrap for two applications whose names
// overlap (goship and goship-dev, each with dev and prod) to the AWS API
// emulator as one account, reads every deploy role and boundary back as
// IAM stores them, and decides with the IAM simulator: every call a deploy
// or the drift check needs (deployCalls, planCalls) is Allowed for every
// environment; every attack is denied, by the statement it names; and every
// policy mutation that reopens a finding (mutationSets) turns a decision:
// lets an attack through, or denies a needed call.
func TestPolicySimulation(t *testing.T) {
	t.Parallel()
	node := requireSimulator(t)
	all := accountAsStored(t)
	nets := simulatedNetworks(all)

	needed := neededCases(all, nets, deployCalls, deployRole, "needed")
	attacked, attackOf := attackCases(all, nets, attacks, deployRole, "attack")
	planNeeded := neededCases(all, nets, planCalls, asPlanRole, "plan role needed")
	planAttacked, planAttackOf := attackCases(all, nets, planAttacks, asPlanRole, "plan role attack")
	needed = append(needed, planNeeded...)
	attacked = append(attacked, planAttacked...)
	maps.Copy(attackOf, planAttackOf)
	var mutated []simCase
	origin := map[string]string{}         // mutated case -> the same call's case on the stored policy
	mutationOf := map[string]mutationID{} // mutated case -> its mutation
	for _, set := range mutationSets() {
		for i, m := range set.list {
			id := mutationID{set.label, i}
			for _, d := range all {
				caller := set.as(d)
				edited, found := mutate(t, caller, m)
				if !found {
					t.Errorf("%s mutation #%d (%s): no statement %s in %s/%s's policies", set.label, i+1, m.finding, m.sid, d.app, d.env)
					continue
				}
				prefix := fmt.Sprintf("mutated %s #%d %s (%s) %s/%s: ", set.label, i+1, m.sid, m.finding, d.app, d.env)
				for _, a := range set.attacks {
					victim, ok := victimOf(a.victim, d, all)
					if !ok {
						continue
					}
					name := prefix + fmt.Sprintf("%s (%s)", a.name, a.finding)
					mutated = append(mutated, callCase(name, edited, victim, nets, a.action, a.arn, a.r))
					origin[name] = fmt.Sprintf("%s %s/%s on %s/%s: %s (%s)", set.attackLabel, d.app, d.env, victim.app, victim.env, a.name, a.finding)
					mutationOf[name] = id
				}
				for j, c := range set.needed {
					name := prefix + fmt.Sprintf("#%d %s on %s (%s)", j, c.action, c.arn, c.caller)
					mutated = append(mutated, callCase(name, edited, edited, nets, c.action, c.arn, c.sends))
					origin[name] = fmt.Sprintf("%s %s/%s #%d %s on %s (%s)", set.neededLabel, d.app, d.env, j, c.action, c.arn, c.caller)
					mutationOf[name] = id
				}
			}
		}
	}
	results := simulate(t, node, slices.Concat(needed, attacked, mutated))

	allowed := 0
	for _, c := range needed {
		r := results[c.Name]
		if r.Decision != "Allowed" {
			t.Errorf("%s: %s (deciders %v, errors %s), want Allowed; context %v", c.Name, r.Decision, r.Deciders, r.Errors, c.Context)
			continue
		}
		allowed++
	}
	denied := 0
	for _, c := range attacked {
		r, a := results[c.Name], attackOf[c.Name]
		if !deniedAsExpected(r, a) {
			t.Errorf("%s: %s by %v (errors %s), want denied by %s; context %v", c.Name, r.Decision, r.decidedBy(), r.Errors, a.decidedBy, c.Context)
			continue
		}
		denied++
	}
	// A mutation counts only through a call whose decision it turns: an
	// attack the stored policy denies that it allows, or a needed call the
	// stored policy allows that it denies.
	caught := map[mutationID][]string{}
	for _, c := range mutated {
		before, after := results[origin[c.Name]], results[c.Name]
		if before.Name == "" {
			t.Fatalf("%s: no case %q on the stored policy to compare with", c.Name, origin[c.Name])
		}
		if (before.Decision == "Allowed") != (after.Decision == "Allowed") {
			id := mutationOf[c.Name]
			caught[id] = append(caught[id], strings.TrimPrefix(c.Name, "mutated "))
		}
	}
	mutations := 0
	for _, set := range mutationSets() {
		for i, m := range set.list {
			mutations++
			turned := caught[mutationID{set.label, i}]
			if len(turned) == 0 {
				t.Errorf("%s mutation #%d of %s (finding %s) turns no decision: the suite would not notice that fix reverted", set.label, i+1, m.sid, m.finding)
				continue
			}
			t.Logf("%s mutation #%d of %s (%s) turns %d cases, such as: %s", set.label, i+1, m.sid, m.finding, len(turned), turned[0])
		}
	}
	t.Logf("%d needed calls Allowed (%d deploy-role and %d plan-role calls x %d deployments), %d attacks denied (%d deploy-role and %d plan-role attacks x %d deployments), %d mutations each caught (%d cases decided)",
		allowed, len(deployCalls), len(planCalls), len(all), denied, len(attacks), len(planAttacks), len(all), mutations, len(results))
}

// mutationID is one mutation: its set's label and its place in the list.
type mutationID struct {
	set   string
	index int
}

// mutationSet is a list of mutations of one role's stored policies and
// the calls each must turn: one of attacks allowed, or one of needed
// denied. The labels name the stored policy's cases of those calls.
type mutationSet struct {
	label       string
	list        []policyMutation
	as          func(deployment) deployment
	attacks     []attack
	attackLabel string
	needed      []neededCall
	neededLabel string
}

// mutationSets are the deploy role's mutations, decided on its attacks,
// and the plan role's, on its attacks and on its needed calls.
func mutationSets() []mutationSet {
	return []mutationSet{
		{label: "deploy role", list: policyMutations, as: deployRole, attacks: attacks, attackLabel: "attack"},
		{label: "plan role", list: planPolicyMutations, as: asPlanRole, attacks: planAttacks, attackLabel: "plan role attack"},
		{label: "plan role's needed calls", list: planNeededMutations, as: asPlanRole, needed: planCalls, neededLabel: "plan role needed"},
	}
}
