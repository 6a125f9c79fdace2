package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cloudwatchschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/rpcv2"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
)

// startCloudWatchStandIn serves CloudWatch in the protocol the pipeline's
// own client speaks (Smithy RPC v2 CBOR, which moto 5.2.1 answers with
// 404), backed by moto: the three reads of the bake and status are
// decoded, asked of moto in its Query protocol, and answered in CBOR;
// anything else (the Terraform provider's Query calls) goes to moto as it
// is. A run in a child process, which cannot be handed a test's client,
// reaches it as AWS_ENDPOINT_URL_CLOUDWATCH. moto has no
// DescribeAlarmHistory: the stand-in answers it with moto's own refusal.
func startCloudWatchStandIn(t *testing.T, server *moto.Server) *cloudWatchStandIn {
	t.Helper()
	target, err := url.Parse(server.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	query := emulatorCloudWatch(server.AWSConfig())
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := &cloudWatchStandIn{}
	const prefix = "/service/GraniteServiceVersion20100801/operation/"
	standIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, isCBOR := strings.CutPrefix(r.URL.Path, prefix)
		if !isCBOR {
			proxy.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in := cbor.Map{}
		if len(body) > 0 {
			v, err := cbor.Decode(body)
			if m, ok := v.(cbor.Map); err == nil && ok {
				in = m
			}
		}
		var out smithy.Serializable
		switch op {
		case "DescribeAlarms":
			out, err = query.DescribeAlarms(r.Context(), &cloudwatch.DescribeAlarmsInput{AlarmNames: cborStrings(in["AlarmNames"])})
			defer s.looked()
		case "GetMetricData":
			out, err = query.GetMetricData(r.Context(), metricDataInput(in))
		default:
			err = fmt.Errorf("%s is not served by the CloudWatch stand-in (moto 5.2.1 has no DescribeAlarmHistory)", op)
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		if err != nil {
			// A client error: the SDK does not retry it.
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String("NotImplemented"), "message": cbor.String(err.Error())}))
			return
		}
		payload, err := encodeCBOR(r.Context(), op, out)
		if err != nil {
			t.Errorf("CloudWatch stand-in: %s: %v", op, err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(payload)
	}))
	t.Cleanup(standIn.Close)
	s.URL = standIn.URL
	return s
}

// cloudWatchStandIn is the stand-in's URL, and how many times a bake or
// status has read the alarms through it: a test in another process than
// the run can tell from it that a bake is watching.
type cloudWatchStandIn struct {
	URL     string
	mu      sync.Mutex
	reads   int
	waiting []alarmReadWait
}

type alarmReadWait struct {
	reads int
	ready chan struct{}
}

func (s *cloudWatchStandIn) looked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	kept := s.waiting[:0]
	for _, w := range s.waiting {
		if s.reads >= w.reads {
			close(w.ready)
			continue
		}
		kept = append(kept, w)
	}
	s.waiting = kept
}

// afterMoreReads closes its channel once the alarms have been read n more
// times from now.
func (s *cloudWatchStandIn) afterMoreReads(n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ready := make(chan struct{})
	s.waiting = append(s.waiting, alarmReadWait{reads: s.reads + n, ready: ready})
	return ready
}

// encodeCBOR serializes an output shape as the SDK's own RPC v2 CBOR
// protocol writes a shape: its request serializer is the one exported
// way to that encoder.
func encodeCBOR(ctx context.Context, op string, out smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	ctx = middleware.WithOperationName(ctx, op)
	err := rpcv2.NewCBOR(cloudwatchschemas.GraniteServiceVersion20100801).SerializeRequest(ctx, &smithy.OperationSchema{Input: &smithy.Schema{}}, out, req)
	if err != nil {
		return nil, err
	}
	stream := req.GetStream()
	if stream == nil {
		return cbor.Encode(cbor.Map{}), nil
	}
	var b bytes.Buffer
	_, err = io.Copy(&b, stream)
	return b.Bytes(), err
}

func cborStrings(v cbor.Value) []string {
	var out []string
	if list, ok := v.(cbor.List); ok {
		for _, item := range list {
			if s, ok := item.(cbor.String); ok {
				out = append(out, string(s))
			}
		}
	}
	return out
}

func cborString(v cbor.Value) *string {
	if s, ok := v.(cbor.String); ok {
		return aws.String(string(s))
	}
	return nil
}

func cborTime(v cbor.Value) *time.Time {
	t, err := cbor.AsTime(v)
	if err != nil {
		return nil
	}
	return &t
}

// metricDataInput is the GetMetricData request the bake sends: metric
// stats of one namespace with their dimensions.
func metricDataInput(in cbor.Map) *cloudwatch.GetMetricDataInput {
	out := &cloudwatch.GetMetricDataInput{StartTime: cborTime(in["StartTime"]), EndTime: cborTime(in["EndTime"])}
	queries, _ := in["MetricDataQueries"].(cbor.List)
	for _, item := range queries {
		q, _ := item.(cbor.Map)
		stat, _ := q["MetricStat"].(cbor.Map)
		metric, _ := stat["Metric"].(cbor.Map)
		var dimensions []cwtypes.Dimension
		list, _ := metric["Dimensions"].(cbor.List)
		for _, d := range list {
			dm, _ := d.(cbor.Map)
			dimensions = append(dimensions, cwtypes.Dimension{Name: cborString(dm["Name"]), Value: cborString(dm["Value"])})
		}
		period, _ := cbor.AsInt32(stat["Period"])
		returnData, _ := q["ReturnData"].(cbor.Bool)
		out.MetricDataQueries = append(out.MetricDataQueries, cwtypes.MetricDataQuery{Id: cborString(q["Id"]), ReturnData: aws.Bool(bool(returnData)),
			MetricStat: &cwtypes.MetricStat{Period: aws.Int32(period), Stat: cborString(stat["Stat"]),
				Metric: &cwtypes.Metric{Namespace: cborString(metric["Namespace"]), MetricName: cborString(metric["MetricName"]), Dimensions: dimensions}}})
	}
	return out
}

// TestCloudWatchStandIn: the pipeline's own CloudWatch client, with the
// SDK's default protocol, reads moto's alarms and metrics through the
// stand-in, and hears a refusal of DescribeAlarmHistory at once.
func TestCloudWatchStandIn(t *testing.T) {
	t.Parallel()
	server := moto.Start(t, moto.Options{})
	ctx := t.Context()
	awsCfg := server.AWSConfig()
	query := emulatorCloudWatch(awsCfg)
	if _, err := query.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("goship-dev-target-5xx"), Namespace: aws.String("AWS/ApplicationELB"),
		MetricName: aws.String("HTTPCode_Target_5XX_Count"), Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(5),
		Threshold: aws.Float64(2), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}); err != nil {
		t.Fatal(err)
	}
	if _, err := query.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("goship-dev-target-5xx"), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("Threshold Crossed: 3 datapoints")}); err != nil {
		t.Fatal(err)
	}
	src := cloud.TrafficSource{LoadBalancer: "app/goship-dev/50dc6c495c0c9188", TargetGroup: "targetgroup/goship-dev/6d0ecf831eec9f09"}
	dimensions := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(src.LoadBalancer)}, {Name: aws.String("TargetGroup"), Value: aws.String(src.TargetGroup)}}
	now := time.Now()
	if _, err := query.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ApplicationELB"), MetricData: []cwtypes.MetricDatum{
		{MetricName: aws.String("RequestCount"), Dimensions: dimensions, Timestamp: aws.Time(now), Value: aws.Float64(120)},
	}}); err != nil {
		t.Fatal(err)
	}

	cfg := awsCfg.Copy()
	standIn := startCloudWatchStandIn(t, server)
	cfg.BaseEndpoint = aws.String(standIn.URL)
	read := standIn.afterMoreReads(1)
	client := cloudwatch.NewFromConfig(cfg) // the pipeline's: no protocol option
	alarms, err := cloud.Alarms(ctx, client, report.AlarmNames("goship", "dev")[:2])
	if err != nil || len(alarms) != 2 || alarms[0].State != report.StateAlarm || alarms[0].Reason != "Threshold Crossed: 3 datapoints" || alarms[0].Since.IsZero() || !alarms[1].Missing() {
		t.Errorf("alarms = %+v, %v; want target-5xx in ALARM since a time, latency-p99 missing", alarms, err)
	}
	select {
	case <-read:
	default:
		t.Error("the stand-in did not count the alarms' read")
	}
	traffic, err := cloud.Traffic(ctx, client, src, now.Add(-time.Minute), now)
	if err != nil || traffic.Requests != 120 {
		t.Errorf("traffic = %+v, %v; want the 120 requests put", traffic, err)
	}
	started := time.Now()
	_, err = cloud.AlarmHistory(ctx, client, []string{"goship-dev-target-5xx"}, now.Add(-time.Hour), now)
	if err == nil || !strings.Contains(err.Error(), "DescribeAlarmHistory") || time.Since(started) > 5*time.Second {
		t.Errorf("alarm history = %v after %s, want a refusal at once", err, time.Since(started))
	}
}
