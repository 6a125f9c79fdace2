package infra_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// hardeningInvariants are the runtime and log-storage properties of the
// service stack; TestInvariants checks and mutates them with the rest.
var hardeningInvariants = []invariant{
	{
		name:  "every container drops all Linux capabilities and adds none",
		check: containersDropCapabilities,
		broken: []mutation{
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, user = "65532:65532", readonlyRootFilesystem = true }])`).as("no linuxParameters"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, linuxParameters = { capabilities = { drop = ["NET_RAW"] } } }])`).as("drop NET_RAW only"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, linuxParameters = { capabilities = { drop = ["ALL"], add = ["SYS_PTRACE"] } } }])`).as("add SYS_PTRACE"),
			set("service", "ecs.tf", taskDefinition, "container_definitions", `jsonencode([{ name = "api", image = var.image, linuxParameters = { capabilities = { drop = var.dropped_capabilities } } }])`).as("drop from a variable"),
		},
	},
	{
		name:  "every S3 bucket is private, encrypted, owner-enforced and TLS-only",
		check: bucketsArePrivateAndEncrypted,
		broken: []mutation{
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_public_access_block", "log")}, "block_public_policy", "false"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_public_access_block", "log")}, "restrict_public_buckets", "false"),
			unset("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_public_access_block", "log")}, "block_public_acls"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_public_access_block", "log")}, "count", "var.vpc_flow_logs_enabled ? 1 : 0").as("access block only with flow logs"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_public_access_block", "log")}, "bucket", `"some-other-bucket"`),
			drop("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_server_side_encryption_configuration", "log")}, "rule"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_server_side_encryption_configuration", "log")}, "count", "0"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_ownership_controls", "log"), block("rule")}, "object_ownership", `"ObjectWriter"`),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_policy", "log")}, "policy", `jsonencode({ Version = "2012-10-17", Statement = [] })`).as("no TLS-only statement"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_policy", "log")}, "policy", `jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }, { Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }] })`).as("public read"),
			set("service", "logs.tf", []blockRef{resourceBlock("aws_s3_bucket_policy", "log")}, "policy", `jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }, { Effect = "Allow", Principal = { AWS = "*" }, Action = "s3:PutObject", Resource = "*" }] })`).as("anyone may write"),
			add("service", "debug.tf", `
resource "aws_s3_bucket" "debug" {
  bucket = "goship-debug"
}
`),
		},
	},
}

func containersDropCapabilities(stacks map[string]*module) error {
	tds := stacks["service"].resources("aws_ecs_task_definition")
	if len(tds) == 0 {
		return errors.New("no aws_ecs_task_definition")
	}
	all := cty.TupleVal([]cty.Value{cty.StringVal("ALL")})
	for _, td := range tds {
		cs := containers(td)
		if len(cs) == 0 {
			return fmt.Errorf("aws_ecs_task_definition.%s: container_definitions is not jsonencode([...])", td.Labels[1])
		}
		for i, c := range cs {
			capabilities := objectItem(objectItem(c, "linuxParameters"), "capabilities")
			if !isLiteral(objectItem(capabilities, "drop"), all) {
				return fmt.Errorf(`container %d: linuxParameters.capabilities.drop must be the literal ["ALL"]`, i)
			}
			if add := objectItem(capabilities, "add"); add != nil {
				if v, ok := literal(add); !ok || v.LengthInt() != 0 {
					return fmt.Errorf("container %d adds capabilities back", i)
				}
			}
		}
	}
	return nil
}

// bucketGuard is a resource every bucket needs next to it, and what it
// must say.
type bucketGuard struct {
	typ   string
	check func(*hclsyntax.Block) error
}

var bucketGuards = []bucketGuard{
	{"aws_s3_bucket_public_access_block", func(b *hclsyntax.Block) error {
		for _, name := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if !isLiteral(attr(b, name), cty.True) {
				return fmt.Errorf("%s must be true", name)
			}
		}
		return nil
	}},
	{"aws_s3_bucket_server_side_encryption_configuration", func(b *hclsyntax.Block) error {
		for _, rule := range nested(b, "rule") {
			for _, def := range nested(rule, "apply_server_side_encryption_by_default") {
				if v, ok := literal(attr(def, "sse_algorithm")); ok && v.Type() == cty.String &&
					slices.Contains([]string{"AES256", "aws:kms", "aws:kms:dsse"}, v.AsString()) {
					return nil
				}
			}
		}
		return errors.New("no rule encrypting by default with AES256 or KMS")
	}},
	{"aws_s3_bucket_ownership_controls", func(b *hclsyntax.Block) error {
		for _, rule := range nested(b, "rule") {
			if isLiteral(attr(rule, "object_ownership"), cty.StringVal("BucketOwnerEnforced")) {
				return nil
			}
		}
		return errors.New("object_ownership must be BucketOwnerEnforced (no ACLs)")
	}},
	{"aws_s3_bucket_policy", policyIsPrivateAndTLSOnly},
}

// bucketsArePrivateAndEncrypted holds when each bucket of the service stack
// has, in every combination of the variables that create it, a public
// access block, default encryption, owner-enforced ownership and a
// TLS-only policy that allows nobody at large.
func bucketsArePrivateAndEncrypted(stacks map[string]*module) error {
	m := stacks["service"]
	buckets := m.resources("aws_s3_bucket")
	if len(buckets) == 0 {
		return errors.New("no aws_s3_bucket: the log bucket is gone")
	}
	for _, bucket := range buckets {
		ref := "aws_s3_bucket." + bucket.Labels[1]
		for _, guard := range bucketGuards {
			var guards []*hclsyntax.Block
			for _, g := range m.resources(guard.typ) {
				if m.references(attr(g, "bucket"))[ref] {
					guards = append(guards, g)
				}
			}
			if len(guards) == 0 {
				return fmt.Errorf("%s has no %s", ref, guard.typ)
			}
			for _, g := range guards {
				if err := guard.check(g); err != nil {
					return fmt.Errorf("%s.%s: %w", guard.typ, g.Labels[1], err)
				}
				if err := existsWhenever(m, bucket, g); err != nil {
					return fmt.Errorf("%s.%s: %w", guard.typ, g.Labels[1], err)
				}
			}
		}
	}
	return nil
}

// existsWhenever checks that guard's count is at least bucket's for every
// combination of the boolean variables either count depends on.
func existsWhenever(m *module, bucket, guard *hclsyntax.Block) error {
	var bools []string
	for _, b := range []*hclsyntax.Block{bucket, guard} {
		for ref := range m.references(attr(b, "count")) {
			name, ok := strings.CutPrefix(ref, "var.")
			if ok && !slices.Contains(bools, name) {
				bools = append(bools, name)
			}
		}
	}
	slices.Sort(bools)
	for combo := range 1 << len(bools) {
		vars := map[string]cty.Value{}
		var with []string
		for i, name := range bools {
			on := combo&(1<<i) != 0
			vars[name] = cty.BoolVal(on)
			with = append(with, fmt.Sprintf("%s=%t", name, on))
		}
		want, err := countOf(m, bucket, vars)
		if err != nil {
			return fmt.Errorf("bucket count: %w", err)
		}
		got, err := countOf(m, guard, vars)
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if got < want {
			return fmt.Errorf("count is %d where the bucket's is %d (with %s)", got, want, strings.Join(with, ", "))
		}
	}
	return nil
}

func countOf(m *module, b *hclsyntax.Block, vars map[string]cty.Value) (int64, error) {
	count := attr(b, "count")
	if count == nil {
		return 1, nil
	}
	return m.evalInt(count, vars)
}

// policyIsPrivateAndTLSOnly reads the statements written as object
// constructors anywhere in the policy expression (jsonencode with concat
// and conditionals included): none may allow a principal of "*", and one
// must deny every request without TLS.
func policyIsPrivateAndTLSOnly(b *hclsyntax.Block) error {
	policy := attr(b, "policy")
	if policy == nil {
		return errors.New("no policy")
	}
	denyWithoutTLS := false
	var problem error
	_ = hclsyntax.VisitAll(policy, func(node hclsyntax.Node) hcl.Diagnostics {
		statement, ok := node.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		effect, ok := literal(objectItem(statement, "Effect"))
		if !ok || effect.Type() != cty.String {
			return nil
		}
		principal := objectItem(statement, "Principal")
		switch effect.AsString() {
		case "Allow":
			if isLiteral(principal, cty.StringVal("*")) || isLiteral(objectItem(principal, "AWS"), cty.StringVal("*")) {
				problem = errors.New(`a statement allows Principal "*"`)
			}
		case "Deny":
			secure := objectItem(objectItem(objectItem(statement, "Condition"), "Bool"), "aws:SecureTransport")
			if isLiteral(principal, cty.StringVal("*")) && isLiteral(objectItem(statement, "Action"), cty.StringVal("s3:*")) &&
				(isLiteral(secure, cty.StringVal("false")) || isLiteral(secure, cty.False)) {
				denyWithoutTLS = true
			}
		}
		return nil
	})
	if problem != nil {
		return problem
	}
	if !denyWithoutTLS {
		return errors.New(`no statement denies s3:* to Principal "*" when aws:SecureTransport is false`)
	}
	return nil
}
