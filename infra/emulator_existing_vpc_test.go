package infra_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// platformNetwork is a VPC a platform team made before anyone ran
// bootstrap: two public and two private subnets in two zones.
type platformNetwork struct {
	vpcID                         string
	publicSubnets, privateSubnets []string
}

// createPlatformNetwork makes that VPC in the emulator with the EC2 API, as
// the platform team's own tooling would.
func createPlatformNetwork(t *testing.T, client *ec2.Client) platformNetwork {
	t.Helper()
	ctx := t.Context()
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n := platformNetwork{vpcID: aws.ToString(vpc.Vpc.VpcId)}
	for i, zone := range []string{moto.Region + "a", moto.Region + "b"} {
		for _, tier := range []struct {
			subnets *[]string
			offset  int
		}{{&n.publicSubnets, 0}, {&n.privateSubnets, 8}} {
			subnet, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
				VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(zone),
				CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/24", i+tier.offset)),
			})
			if err != nil {
				t.Fatal(err)
			}
			*tier.subnets = append(*tier.subnets, aws.ToString(subnet.Subnet.SubnetId))
		}
	}
	return n
}

// hclList writes ids as an HCL list of strings for a -var value.
func hclList(ids []string) string {
	return `["` + strings.Join(ids, `","`) + `"]`
}

// TestEmulatorExistingVPC is issue 13's third acceptance point: a team whose
// network belongs to a platform team names that VPC and its subnets in
// bootstrap's networks; bootstrap creates no VPC, only the two security
// groups in it, and the service stack runs in exactly those subnets.
func TestEmulatorExistingVPC(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	mirror := localProvider(t, os.Getenv("TF_PROVIDER_MIRROR"))
	server := moto.Start(t, moto.Options{ECSServiceRunning: emulatorDesiredCount})
	cfg := server.AWSConfig()
	ec2Client := ec2.NewFromConfig(cfg)
	platform := createPlatformNetwork(t, ec2Client)
	vpcsBefore := applicationVPCs(t, ec2Client)

	const bucket = "goship-existing-vpc-state"
	bootstrap := newEmulatedStack(t, terraform, mirror, server, "bootstrap", stackDirs["bootstrap"])
	registry := newEmulatedStack(t, terraform, mirror, server, "registry", stackDirs["registry"])
	service := newEmulatedStack(t, terraform, mirror, server, "service", stackDirs["service"])
	bootstrapVars := []string{
		"-var=state_bucket_name=" + bucket,
		`-var=environments=["dev"]`,
		fmt.Sprintf("-var=networks={dev={vpc_id=%q,public_subnet_ids=%s,private_subnet_ids=%s}}", platform.vpcID, hclList(platform.publicSubnets), hclList(platform.privateSubnets)),
	}
	apply := []string{"apply", "-input=false", "-auto-approve", "-parallelism=20"}
	destroy := []string{"destroy", "-input=false", "-auto-approve", "-parallelism=20"}
	serviceVars := []string{"-var=image=" + emulatorImage}

	bootstrap.init(t, nil)
	bootstrap.must(t, append(slices.Clone(apply), bootstrapVars...)...)
	if vpcs := applicationVPCs(t, ec2Client); !slices.Equal(vpcs, vpcsBefore) {
		t.Fatalf("bootstrap with an existing VPC made VPCs: %v, before %v", vpcs, vpcsBefore)
	}
	relaxStateBucketPolicy(t, s3.NewFromConfig(cfg), bucket)

	for _, s := range []*emulatedStack{registry, service} {
		s.init(t, map[string]string{"bucket": bucket, "key": "goship/dev/" + s.name + ".tfstate", "region": moto.Region})
		args := slices.Clone(apply)
		if s == service {
			args = append(args, serviceVars...)
		}
		s.must(t, args...)
	}

	services, err := ecs.NewFromConfig(cfg).DescribeServices(t.Context(), &ecs.DescribeServicesInput{
		Cluster: aws.String(emulatorName), Services: []string{emulatorName},
	})
	if err != nil || len(services.Services) != 1 || services.Services[0].NetworkConfiguration == nil {
		t.Fatalf("service %s: %+v, %v", emulatorName, services, err)
	}
	vpcConfig := services.Services[0].NetworkConfiguration.AwsvpcConfiguration
	if got := slices.Sorted(slices.Values(vpcConfig.Subnets)); !slices.Equal(got, slices.Sorted(slices.Values(platform.privateSubnets))) {
		t.Errorf("the service runs in subnets %v, want the platform's private subnets %v", got, platform.privateSubnets)
	}
	if vpcConfig.AssignPublicIp != "DISABLED" {
		t.Errorf("the service's tasks get public IPs: %q", vpcConfig.AssignPublicIp)
	}
	lbs, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(t.Context(), &elb.DescribeLoadBalancersInput{Names: []string{emulatorName}})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("load balancer %s: %+v, %v", emulatorName, lbs, err)
	}
	lb := lbs.LoadBalancers[0]
	var lbSubnets []string
	for _, zone := range lb.AvailabilityZones {
		lbSubnets = append(lbSubnets, aws.ToString(zone.SubnetId))
	}
	if got := slices.Sorted(slices.Values(lbSubnets)); !slices.Equal(got, slices.Sorted(slices.Values(platform.publicSubnets))) {
		t.Errorf("the load balancer runs in subnets %v, want the platform's public subnets %v", got, platform.publicSubnets)
	}
	if aws.ToString(lb.VpcId) != platform.vpcID {
		t.Errorf("the load balancer is in %s, want the platform's VPC %s", aws.ToString(lb.VpcId), platform.vpcID)
	}
	groups, err := ec2Client.DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{platform.vpcID}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups.SecurityGroups {
		names = append(names, aws.ToString(g.GroupName))
	}
	if want := []string{"default", emulatorName + "-alb", emulatorName + "-service"}; !slices.Equal(slices.Sorted(slices.Values(names)), want) {
		t.Errorf("the platform's VPC holds security groups %v, want %v: bootstrap adds only the two of the service", names, want)
	}

	// Teardown leaves the platform's network as it found it.
	service.must(t, append(slices.Clone(destroy), serviceVars...)...)
	registry.must(t, destroy...)
	subnets, err := ec2Client.DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{platform.vpcID}}},
	})
	if err != nil || len(subnets.Subnets) != 4 {
		t.Errorf("the platform's VPC holds %d subnets after the service's destroy, want its 4: %v", len(subnets.Subnets), err)
	}
}
