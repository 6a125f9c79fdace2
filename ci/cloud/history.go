package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/goship/ci/report"
)

// The deploy history lives in the state bucket, beside the environment's
// Terraform state, as one object per deploy:
// <app>/<env>/deploys/<UTC time>-<run id>.json. One object per deploy
// rather than one deploys.json: two deploys ending at once (a workflow and
// a laptop) would each read the file, add their entry and write it back,
// and one entry would be lost; with one object each, nothing is read
// before it is written. The bucket's versioning and encryption cover the
// history as they cover the state. Keys sort by time, so the newest are
// the last in S3's listing order.

// historyLimit bounds how many entries history reads: one GET each.
const historyLimit = 50

// historyPrefix is the folder of an environment's deploys.
func historyPrefix(app, env string) string {
	return app + "/" + env + "/deploys/"
}

// HistoryKey is where one deploy is recorded.
func HistoryKey(app, env string, d report.Deploy, runID string) string {
	return historyPrefix(app, env) + d.Time.UTC().Format("20060102T150405.000Z") + "-" + runID + ".json"
}

// RecordDeploy writes one deploy's entry.
func RecordDeploy(ctx context.Context, store ObjectStore, bucket, app, env, runID string, d report.Deploy) error {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	key := HistoryKey(app, env, d, runID)
	_, err = store.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        strings.NewReader(string(data)),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("recording the deploy in s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// History reads the environment's deploys, newest first, at most the
// newest historyLimit.
func History(ctx context.Context, store ObjectStore, bucket, app, env string) ([]report.Deploy, error) {
	var keys []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(historyPrefix(app, env))}
	for {
		resp, err := store.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing the deploy history in s3://%s/%s: %w", bucket, historyPrefix(app, env), err)
		}
		for _, o := range resp.Contents {
			if strings.HasSuffix(aws.ToString(o.Key), ".json") {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
		if !aws.ToBool(resp.IsTruncated) || resp.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = resp.NextContinuationToken
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	keys = keys[:min(historyLimit, len(keys))]
	history := make([]report.Deploy, 0, len(keys))
	for _, key := range keys {
		d, err := readDeploy(ctx, store, bucket, key)
		if err != nil {
			return nil, err
		}
		history = append(history, d)
	}
	return history, nil
}

func readDeploy(ctx context.Context, store ObjectStore, bucket, key string) (report.Deploy, error) {
	resp, err := store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return report.Deploy{}, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return report.Deploy{}, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	var d report.Deploy
	if err := json.Unmarshal(data, &d); err != nil {
		return report.Deploy{}, fmt.Errorf("s3://%s/%s is not a deploy entry: %w", bucket, key, err)
	}
	return d, nil
}
