package cloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ParameterAPI reads one SSM parameter: how the service stack finds what
// bootstrap made for its environment.
type ParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// MissingParameters lists which of names do not exist, in their order. Any
// other failure (a denied read, the network) is an error: it says nothing
// about whether bootstrap ran.
func MissingParameters(ctx context.Context, client ParameterAPI, names []string) ([]string, error) {
	var missing []string
	for _, name := range names {
		_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		var notFound *types.ParameterNotFound
		switch {
		case errors.As(err, &notFound):
			missing = append(missing, name)
		case err != nil:
			return nil, fmt.Errorf("reading the SSM parameter %s: %w", name, err)
		}
	}
	return missing, nil
}
