package cloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// heads answers HeadBucket with err and GetObject from objects.
type heads struct {
	objects
	err error
}

func (h heads) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if h.err != nil {
		return nil, h.err
	}
	return &s3.HeadBucketOutput{}, nil
}

func TestBucketExists(t *testing.T) {
	t.Parallel()
	forbidden := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}}}
	tests := []struct {
		name    string
		err     error
		want    bool
		wantErr string
	}{
		{"ours", nil, true, ""},
		{"no such bucket", &types.NotFound{}, false, ""},
		{"another account's", forbidden, false, "another account may hold it; choose another name with --state-bucket"},
	}
	for _, tt := range tests {
		got, err := BucketExists(t.Context(), heads{err: tt.err}, "goship-state")
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: BucketExists = %v, %v; want %v, an error with %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadObject(t *testing.T) {
	t.Parallel()
	store := objects{"b/bootstrap/terraform.tfstate": `{"version": 4}`}
	if got, err := ReadObject(t.Context(), store, "b", "bootstrap/terraform.tfstate"); err != nil || string(got) != `{"version": 4}` {
		t.Errorf("ReadObject = %q, %v", got, err)
	}
	if got, err := ReadObject(t.Context(), store, "b", "missing"); got != nil || err != nil {
		t.Errorf("ReadObject of a missing key = %q, %v; want nil, nil", got, err)
	}
}

// versioning answers GetBucketVersioning with status, or err.
type versioning struct {
	status types.BucketVersioningStatus
	err    error
}

func (v versioning) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	if v.err != nil {
		return nil, v.err
	}
	return &s3.GetBucketVersioningOutput{Status: v.status}, nil
}

func TestBucketVersioned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		client  versioning
		want    bool
		wantErr string
	}{
		{"enabled", versioning{status: types.BucketVersioningStatusEnabled}, true, ""},
		{"suspended", versioning{status: types.BucketVersioningStatusSuspended}, false, ""},
		{"never enabled", versioning{}, false, ""},
		{"denied", versioning{err: errors.New("AccessDenied")}, false, "reading the versioning of the state bucket goship-state: AccessDenied"},
	}
	for _, tt := range tests {
		got, err := BucketVersioned(t.Context(), tt.client, "goship-state")
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: BucketVersioned = %v, %v; want %v, an error with %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

// listing answers ListObjectsV2 with err.
type listing struct{ err error }

func (l listing) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if l.err != nil {
		return nil, l.err
	}
	return &s3.ListObjectsV2Output{}, nil
}

func TestFolderReachable(t *testing.T) {
	t.Parallel()
	forbidden := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}}}
	tests := []struct {
		name    string
		err     error
		want    bool
		wantErr string
	}{
		{"listable", nil, true, ""},
		{"no such bucket", &types.NoSuchBucket{}, false, ""},
		{"not ours to list", forbidden, false, "these credentials may not list s3://goship-state/goship/dev/ (forbidden): use credentials for this environment"},
		{"network", errors.New("connection refused"), false, "looking for the state bucket goship-state: connection refused"},
	}
	for _, tt := range tests {
		got, err := FolderReachable(t.Context(), listing{err: tt.err}, "goship-state", "goship/dev/")
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: FolderReachable = %v, %v; want %v, an error with %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
