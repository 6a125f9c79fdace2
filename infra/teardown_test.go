package infra_test

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// stateBucketProtections are the bootstrap resources that hold the state
// bucket and its protections. terraform destroy would remove each protection
// and then fail on the bucket that still holds every state version, so each
// carries prevent_destroy and destroy refuses before touching any of them.
var stateBucketProtections = []string{
	"aws_s3_bucket",
	"aws_s3_bucket_ownership_controls",
	"aws_s3_bucket_policy",
	"aws_s3_bucket_public_access_block",
	"aws_s3_bucket_server_side_encryption_configuration",
	"aws_s3_bucket_versioning",
}

// stateBucketRefusesDestroy checks each protection has
// lifecycle { prevent_destroy = true }.
func stateBucketRefusesDestroy(stacks map[string]*module) error {
	m := stacks["bootstrap"]
	for _, typ := range stateBucketProtections {
		r := m.resource(typ, "this")
		if r == nil {
			return fmt.Errorf("bootstrap has no %s.this", typ)
		}
		lifecycle := nested(r, "lifecycle")
		if len(lifecycle) != 1 || !isLiteral(attr(lifecycle[0], "prevent_destroy"), cty.True) {
			return fmt.Errorf("%s.this: lifecycle.prevent_destroy must be true, or terraform destroy strips the state bucket before failing on it", typ)
		}
	}
	return nil
}

// TestStateBucketRefusesDestroy checks the state bucket's protections refuse
// destroy, and that the check fails when any of them stops refusing.
// TestEmulator shows the refusal against the AWS API.
func TestStateBucketRefusesDestroy(t *testing.T) {
	t.Parallel()
	stacks := loadStacks(t)
	if err := stateBucketRefusesDestroy(stacks); err != nil {
		t.Fatal(err)
	}
	for _, typ := range stateBucketProtections {
		path := []blockRef{resourceBlock(typ, "this"), block("lifecycle")}
		for _, mu := range []mutation{
			unset("bootstrap", "s3.tf", path, "prevent_destroy"),
			set("bootstrap", "s3.tf", path, "prevent_destroy", "false"),
		} {
			t.Run(typ+"/"+mu.name, func(t *testing.T) {
				t.Parallel()
				mutated, err := mu.apply(stacks)
				if err != nil {
					t.Fatalf("cannot apply the mutation (did the stack change shape?): %v", err)
				}
				if err := stateBucketRefusesDestroy(mutated); err == nil {
					t.Fatal("the check passed on a bucket that destroy would strip")
				}
			})
		}
	}
}
