package cloud

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// parameterStore answers GetParameter from the names it holds, or err.
type parameterStore struct {
	names []string
	err   error
}

func (p parameterStore) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	switch {
	case p.err != nil:
		return nil, p.err
	case !slices.Contains(p.names, aws.ToString(in.Name)):
		return nil, &types.ParameterNotFound{}
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name}}, nil
}

func TestMissingParameters(t *testing.T) {
	t.Parallel()
	names := []string{"/goship/dev/network", "/goship/dev/alarm-topic-key"}
	tests := []struct {
		name    string
		store   parameterStore
		want    []string
		wantErr string
	}{
		{"all there", parameterStore{names: names}, nil, ""},
		{"one missing", parameterStore{names: names[:1]}, names[1:], ""},
		{"none", parameterStore{}, names, ""},
		{"denied", parameterStore{err: errors.New("AccessDeniedException")}, nil, "reading the SSM parameter /goship/dev/network: AccessDeniedException"},
	}
	for _, tt := range tests {
		got, err := MissingParameters(t.Context(), tt.store, names)
		if !slices.Equal(got, tt.want) || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: MissingParameters = %v, %v; want %v, an error with %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
