package cloud

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// objects serves S3 objects from memory, answering a missing key as S3
// does.
type objects map[string]string

func (o objects) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	body, ok := o[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewBufferString(body))}, nil
}

func TestReadStateLock(t *testing.T) {
	t.Parallel()
	// The lock info Terraform 1.11 writes (statemgr.LockInfo as JSON).
	held := objects{"state/goship/dev/service.tfstate.tflock": `{"ID":"0f2a9c4e-1b7d-4c1e-9a55-3f1b2c3d4e5f","Operation":"OperationTypeApply","Info":"",` +
		`"Who":"goship deploy dev by alice@laptop@dagger","Version":"1.15.8","Created":"2026-11-29T16:00:00.5Z","Path":"state/goship/dev/service.tfstate"}`}
	lock, err := ReadStateLock(t.Context(), held, "state", "goship/dev/service.tfstate")
	if err != nil || lock == nil || lock.ID != "0f2a9c4e-1b7d-4c1e-9a55-3f1b2c3d4e5f" || lock.Who != "goship deploy dev by alice@laptop@dagger" || lock.Operation != "OperationTypeApply" {
		t.Errorf("ReadStateLock = %+v, %v", lock, err)
	}
	if lock, err := ReadStateLock(t.Context(), held, "state", "goship/dev/registry.tfstate"); lock != nil || err != nil {
		t.Errorf("ReadStateLock of an unlocked state = %+v, %v; want nil, nil", lock, err)
	}
	if _, err := ReadStateLock(t.Context(), objects{"state/k.tflock": "not json"}, "state", "k"); err == nil {
		t.Error("ReadStateLock accepted a lock file that is not JSON")
	}
}
