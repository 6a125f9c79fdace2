package infra_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

const (
	// emulatorBucket is the state bucket bootstrap creates in the emulator.
	emulatorBucket = "goship-emulator-state"
	// emulatorName is the stacks' "<app_name>-<environment>" with their
	// defaults: every application resource is named after it.
	emulatorName = "goship-dev"
	// emulatorDesiredCount is the service stack's default desired_count.
	emulatorDesiredCount = 2
	// emulatorPort is the container_port the test moves the service to.
	emulatorPort = 8081
)

// emulatorImage is an image reference the service stack accepts: a digest
// in the environment's own repository. Nothing pulls it.
var emulatorImage = moto.AccountID + ".dkr.ecr." + moto.Region + ".amazonaws.com/" + emulatorName + "@sha256:" + strings.Repeat("0", 64)

// emulatorGaps are the attributes a plan right after a fresh apply changes
// against moto 5.2.1, because moto drops them on create; against AWS that
// plan is empty. The test asserts exactly these, so a new difference (a real
// drift in the stacks) fails it, and so does one of these gaps closing.
var emulatorGaps = map[string][]string{
	// moto drops healthCheckGracePeriodSeconds and
	// availabilityZoneRebalancing on CreateService.
	"aws_ecs_service.this": {"availability_zone_rebalancing", "health_check_grace_period_seconds"},
}

// TestEmulator applies the three stacks (bootstrap with the environments'
// networks, then registry and service) against the moto AWS API emulator
// through the real hashicorp/aws provider and the S3 backend with its lock
// file, changes the container port, and destroys them again, checking each
// step's effect with the AWS SDK. It is one test because every step works on
// what the one before left in the emulator; a failed step stops it.
//
// It needs terraform, moto and the hashicorp/aws provider (from the registry
// or from TF_PROVIDER_MIRROR); it skips without them unless REQUIRE_TOOLS
// names them, as .ci/run does.
func TestEmulator(t *testing.T) {
	// Mostly waiting on the provider's polls: it overlaps well with the
	// package's other tests.
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	mirror := localProvider(t, os.Getenv("TF_PROVIDER_MIRROR"))
	server := moto.Start(t, moto.Options{ECSServiceRunning: emulatorDesiredCount})
	started := time.Now()
	t.Cleanup(func() { t.Logf("emulator test wall time: %s", time.Since(started).Round(time.Second)) })

	cfg := server.AWSConfig()
	s3Client := s3.NewFromConfig(cfg)
	bootstrap := newEmulatedStack(t, terraform, mirror, server, "bootstrap", stackDirs["bootstrap"])
	registry := newEmulatedStack(t, terraform, mirror, server, "registry", stackDirs["registry"])
	service := newEmulatedStack(t, terraform, mirror, server, "service", stackDirs["service"])
	bootstrapVars := []string{"-var=state_bucket_name=" + emulatorBucket}
	serviceVars := []string{"-var=image=" + emulatorImage}
	movedVars := append(slices.Clone(serviceVars), "-var=container_port="+strconv.Itoa(emulatorPort))
	// Terraform's waits, not CPU, bound these applies.
	apply := []string{"apply", "-input=false", "-auto-approve", "-parallelism=20"}
	destroy := []string{"destroy", "-input=false", "-auto-approve", "-parallelism=20"}

	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("bootstrap applies", func(t *testing.T) {
		bootstrap.init(t, nil)
		bootstrap.must(t, append(slices.Clone(apply), bootstrapVars...)...)
	})

	step("bootstrap destroy is refused and leaves the bucket protected", func(t *testing.T) {
		out, err := bootstrap.run(t, append(slices.Clone(destroy), bootstrapVars...)...)
		if err == nil {
			t.Fatalf("terraform destroy of bootstrap succeeded; prevent_destroy must refuse it:\n%s", out)
		}
		if !strings.Contains(out, "Instance cannot be destroyed") || !strings.Contains(out, "aws_s3_bucket.this") {
			t.Fatalf("terraform destroy of bootstrap failed, but not on prevent_destroy of the bucket: %v\n%s", err, out)
		}
		assertBucketProtected(t, s3Client, emulatorBucket)
		relaxStateBucketPolicy(t, s3Client, emulatorBucket)
	})

	step("registry and service apply", func(t *testing.T) {
		for _, s := range []*emulatedStack{registry, service} {
			t.Run(s.name, func(t *testing.T) {
				t.Parallel()
				s.init(t, map[string]string{
					"bucket": emulatorBucket,
					"key":    "goship/dev/" + s.name + ".tfstate",
					"region": moto.Region,
				})
				args := slices.Clone(apply)
				if s == service {
					args = append(args, serviceVars...)
				}
				s.must(t, args...)
			})
		}
	})

	step("the alarms, their encrypted topic, the deployment alarms and the dashboard are in place", func(t *testing.T) {
		assertSignals(t, cfg, service)
	})

	step("a second plan changes only what moto drops", func(t *testing.T) {
		got := service.planChanges(t, serviceVars...)
		want := map[string]change{}
		for address, attributes := range emulatorGaps {
			want[address] = change{actions: []string{"update"}, attributes: attributes}
		}
		assertChanges(t, got, want)
	})

	step("a concurrent plan is refused by the lock", func(t *testing.T) {
		// What Terraform's S3 backend writes with use_lockfile: the lock
		// info as JSON next to the state, created only if absent.
		lockKey := "goship/dev/service.tfstate.tflock"
		info, _ := json.Marshal(map[string]string{
			"ID":        "6c3e4bd4-0000-4000-8000-000000000001",
			"Operation": "OperationTypeApply",
			"Who":       "another-run@emulator",
			"Version":   "1.11.4",
			"Created":   time.Now().UTC().Format(time.RFC3339Nano),
			"Path":      emulatorBucket + "/goship/dev/service.tfstate",
		})
		if _, err := s3Client.PutObject(t.Context(), &s3.PutObjectInput{
			Bucket: aws.String(emulatorBucket), Key: aws.String(lockKey),
			Body: strings.NewReader(string(info)), ContentType: aws.String("application/json"),
		}); err != nil {
			t.Fatal(err)
		}
		out, err := service.run(t, append([]string{"plan", "-input=false", "-lock-timeout=0s"}, serviceVars...)...)
		if err == nil || !strings.Contains(out, "Error acquiring the state lock") || !strings.Contains(out, "another-run@emulator") {
			t.Fatalf("plan while another run holds the lock: want a refusal naming the holder, got %v\n%s", err, out)
		}
		if _, err := s3Client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(emulatorBucket), Key: aws.String(lockKey)}); err != nil {
			t.Fatalf("the refused plan removed the other run's lock: %v", err)
		}
		if _, err := s3Client.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(emulatorBucket), Key: aws.String(lockKey)}); err != nil {
			t.Fatal(err)
		}
	})

	step("changing container_port moves the service without replacing the target group or touching the network", func(t *testing.T) {
		elbClient := elb.NewFromConfig(cfg)
		ec2Client := ec2.NewFromConfig(cfg)
		before := targetGroupARN(t, elbClient)
		rulesBefore := serviceGroupRules(t, ec2Client)
		got := service.planChanges(t, movedVars...)
		for address, c := range got {
			if slices.Equal(c.actions, []string{"delete", "create"}) {
				t.Errorf("%s is deleted before its replacement exists: traffic would stop in between", address)
			}
		}
		if c, ok := got["aws_lb_target_group.this"]; ok {
			t.Errorf("the target group changes (%v %v); the listener would move to an empty group", c.actions, c.attributes)
		}
		for address := range got {
			if strings.HasPrefix(address, "aws_vpc_security_group") || strings.HasPrefix(address, "aws_security_group") {
				t.Errorf("%s changes: the deploy role writes nothing in EC2, so a port change must need no network change", address)
			}
		}
		if c := got["aws_ecs_service.this"]; !slices.Equal(c.actions, []string{"update"}) {
			t.Errorf("aws_ecs_service.this: actions %v, want [update] (a rolling deployment)", c.actions)
		}
		if t.Failed() {
			return
		}
		service.must(t, "apply", "-input=false", "-parallelism=20", "emulator.tfplan")

		if after := targetGroupARN(t, elbClient); after != before {
			t.Errorf("target group replaced: %s -> %s", before, after)
		}
		out, err := ecs.NewFromConfig(cfg).DescribeServices(t.Context(), &ecs.DescribeServicesInput{
			Cluster: aws.String(emulatorName), Services: []string{emulatorName},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Services) != 1 || len(out.Services[0].LoadBalancers) != 1 ||
			aws.ToInt32(out.Services[0].LoadBalancers[0].ContainerPort) != emulatorPort ||
			aws.ToString(out.Services[0].LoadBalancers[0].TargetGroupArn) != before {
			t.Errorf("service load balancers = %+v, want port %d in %s", out.Services, emulatorPort, before)
		}
		if after := serviceGroupRules(t, ec2Client); !slices.Equal(after, rulesBefore) {
			t.Errorf("the service's security group rules changed: %v -> %v", rulesBefore, after)
		}
		if !slices.Contains(rulesBefore, "tcp 1024-65535 from the load balancer") {
			t.Errorf("the service's security group admits %v; want the load balancer on every unprivileged port, the new port included", rulesBefore)
		}
	})

	// destroyBoth returns once both destroys have ended.
	destroyBoth := func(t *testing.T) {
		t.Helper()
		t.Run("destroy", func(t *testing.T) {
			for _, s := range []*emulatedStack{registry, service} {
				t.Run(s.name, func(t *testing.T) {
					t.Parallel()
					args := slices.Clone(destroy)
					if s == service {
						args = append(args, movedVars...)
					}
					s.must(t, args...)
				})
			}
		})
	}

	step("destroy leaves nothing of the application but bootstrap's network", func(t *testing.T) {
		destroyBoth(t)
		if !t.Failed() {
			assertNothingLeft(t, cfg)
		}
	})

	step("destroy on empty state succeeds", destroyBoth)

	step("the documented bootstrap teardown succeeds once the bucket is empty", func(t *testing.T) {
		// docs/operations.md's teardown with the AWS CLI, done with the SDK: empty
		// the bucket (every version and delete marker), delete it, forget it
		// in bootstrap's state, then destroy what is left.
		emptyBucket(t, s3Client, emulatorBucket)
		if _, err := s3Client.DeleteBucket(t.Context(), &s3.DeleteBucketInput{Bucket: aws.String(emulatorBucket)}); err != nil {
			t.Fatal(err)
		}
		var bucketResources []string
		for _, address := range strings.Fields(bootstrap.must(t, "state", "list")) {
			if strings.HasPrefix(address, "aws_s3_bucket") {
				bucketResources = append(bucketResources, address)
			}
		}
		bootstrap.must(t, append([]string{"state", "rm"}, bucketResources...)...)
		bootstrap.must(t, append(slices.Clone(destroy), bootstrapVars...)...)
		if left := strings.Fields(bootstrap.must(t, "state", "list")); len(left) != 0 {
			t.Errorf("bootstrap state still holds %v", left)
		}
		if vpcs := applicationVPCs(t, ec2.NewFromConfig(cfg)); len(vpcs) != 0 {
			t.Errorf("bootstrap's destroy left the VPCs %v", vpcs)
		}
	})
}

// assertChanges fails the test unless got and want name the same resources
// with the same actions and changed attributes.
func assertChanges(t *testing.T, got, want map[string]change) {
	t.Helper()
	for address, w := range want {
		g, ok := got[address]
		if !ok {
			t.Errorf("%s: no change, want %v of %v", address, w.actions, w.attributes)
			continue
		}
		if !slices.Equal(g.actions, w.actions) || !slices.Equal(g.attributes, w.attributes) {
			t.Errorf("%s: %v of %v, want %v of %v", address, g.actions, g.attributes, w.actions, w.attributes)
		}
	}
	for address, g := range got {
		if _, ok := want[address]; !ok {
			t.Errorf("%s: unexpected %v of %v", address, g.actions, g.attributes)
		}
	}
}

// assertBucketProtected checks every protection bootstrap gives the state
// bucket is in place.
func assertBucketProtected(t *testing.T, client *s3.Client, bucket string) {
	t.Helper()
	ctx := t.Context()
	in := aws.String(bucket)
	if v, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: in}); err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning: %+v, %v; want Enabled", v, err)
	}
	if e, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: in}); err != nil || len(e.ServerSideEncryptionConfiguration.Rules) != 1 {
		t.Errorf("encryption: %v; want a default encryption rule", err)
	}
	if p, err := client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: in}); err != nil {
		t.Errorf("public access block: %v", err)
	} else if c := p.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("public access block: %+v; want all four on", c)
	}
	if o, err := client.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: in}); err != nil || len(o.OwnershipControls.Rules) != 1 || o.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("ownership controls: %v; want BucketOwnerEnforced", err)
	}
	if l, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: in}); err != nil || len(l.Rules) != 1 {
		t.Errorf("lifecycle: %v; want the rule that expires superseded state", err)
	}
	if p, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: in}); err != nil || !strings.Contains(aws.ToString(p.Policy), "DenyInsecureTransport") {
		t.Errorf("policy: %v; want the statement that denies insecure transport", err)
	}
}

// targetGroupARN returns the ARN of the application's target group.
func targetGroupARN(t *testing.T, client *elb.Client) string {
	t.Helper()
	out, err := client.DescribeTargetGroups(t.Context(), &elb.DescribeTargetGroupsInput{Names: []string{emulatorName}})
	if err != nil || len(out.TargetGroups) != 1 {
		t.Fatalf("target group %s: %+v, %v", emulatorName, out, err)
	}
	return aws.ToString(out.TargetGroups[0].TargetGroupArn)
}

// serviceGroupRules describes the ingress rules of the service's security
// group (bootstrap's), such as "tcp 1024-65535 from the load balancer".
func serviceGroupRules(t *testing.T, client *ec2.Client) []string {
	t.Helper()
	groups, err := client.DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{emulatorName + "-service", emulatorName + "-alb"}}},
	})
	if err != nil || len(groups.SecurityGroups) != 2 {
		t.Fatalf("security groups %s-service and %s-alb: %+v, %v", emulatorName, emulatorName, groups, err)
	}
	names := map[string]string{}
	var service ec2types.SecurityGroup
	for _, g := range groups.SecurityGroups {
		names[aws.ToString(g.GroupId)] = strings.TrimPrefix(aws.ToString(g.GroupName), emulatorName+"-")
		if aws.ToString(g.GroupName) == emulatorName+"-service" {
			service = g
		}
	}
	var rules []string
	for _, p := range service.IpPermissions {
		from := "anywhere"
		for _, pair := range p.UserIdGroupPairs {
			if names[aws.ToString(pair.GroupId)] == "alb" {
				from = "the load balancer"
			} else {
				from = aws.ToString(pair.GroupId)
			}
		}
		rules = append(rules, fmt.Sprintf("%s %d-%d from %s", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort), from))
	}
	slices.Sort(rules)
	return rules
}

// applicationVPCs returns the IDs of the VPCs other than the default one.
func applicationVPCs(t *testing.T, client *ec2.Client) []string {
	t.Helper()
	vpcs, err := client.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vpcs.Vpcs {
		if !aws.ToBool(v.IsDefault) {
			ids = append(ids, aws.ToString(v.VpcId))
		}
	}
	return ids
}

// assertNothingLeft checks the emulator holds no load balancer, target
// group, ECS cluster or service, ECR repository, IAM role, log group,
// alarm, dashboard or alarm topic of the application. The network is bootstrap's, and stays.
func assertNothingLeft(t *testing.T, cfg aws.Config) {
	t.Helper()
	ctx := t.Context()
	var left []string
	var mu sync.Mutex
	found := func(kind, name string) {
		mu.Lock()
		defer mu.Unlock()
		left = append(left, kind+" "+name)
	}

	elbClient := elb.NewFromConfig(cfg)
	lbs, err := elbClient.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lb := range lbs.LoadBalancers {
		found("load balancer", aws.ToString(lb.LoadBalancerName))
	}
	tgs, err := elbClient.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tgs.TargetGroups {
		found("target group", aws.ToString(tg.TargetGroupName))
	}
	// ECS keeps a deleted cluster or service for a while as INACTIVE (so
	// does moto, for good): only an active one is left over.
	ecsClient := ecs.NewFromConfig(cfg)
	clusters, err := ecsClient.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range clusters.ClusterArns {
		clusterDetails, err := ecsClient.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{arn}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clusterDetails.Clusters {
			if aws.ToString(c.Status) != "INACTIVE" {
				found("ECS cluster", arn)
			}
		}
		services, err := ecsClient.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(services.ServiceArns) == 0 {
			continue
		}
		serviceDetails, err := ecsClient.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(arn), Services: services.ServiceArns})
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range serviceDetails.Services {
			if aws.ToString(svc.Status) != "INACTIVE" {
				found("ECS service", aws.ToString(svc.ServiceArn))
			}
		}
	}
	repos, err := ecr.NewFromConfig(cfg).DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos.Repositories {
		found("ECR repository", aws.ToString(r.RepositoryName))
	}
	roles, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles.Roles {
		if strings.HasPrefix(aws.ToString(r.RoleName), emulatorName) {
			found("IAM role", aws.ToString(r.RoleName))
		}
	}
	groups, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/" + emulatorName)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.LogGroups {
		found("log group", aws.ToString(g.LogGroupName))
	}
	left = append(left, signalsLeft(t, cfg)...)
	if len(left) > 0 {
		t.Errorf("destroy left %d resources:\n%s", len(left), strings.Join(left, "\n"))
	}
}

// emptyBucket deletes every object version and delete marker in bucket.
func emptyBucket(t *testing.T, client *s3.Client, bucket string) {
	t.Helper()
	for {
		out, err := client.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		var objects []s3types.ObjectIdentifier
		for _, v := range out.Versions {
			objects = append(objects, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			objects = append(objects, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(objects) == 0 {
			return
		}
		if _, err := client.DeleteObjects(t.Context(), &s3.DeleteObjectsInput{
			Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: objects},
		}); err != nil {
			t.Fatal(err)
		}
	}
}
