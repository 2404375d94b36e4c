package lambdactl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Metadata reports what the simulator's profiles configure, however the
// function is named.
func TestMetadataReadsSimulatorConfiguration(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	hello := sl.client(t, "aws-go-hello")

	got, err := hello.Metadata(ctx, "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	want := Configuration{
		FunctionARN:           got.FunctionARN,
		Version:               "$LATEST",
		MemoryMB:              128,
		Architecture:          "x86_64",
		Runtime:               "provided.al2023",
		PackageType:           "Zip",
		EphemeralStorageMB:    512,
		Timeout:               3 * time.Second,
		SnapStartApplyOn:      "None",
		SnapStartOptimization: "Off",
		LastModified:          got.LastModified,
	}
	if got != want || !strings.HasSuffix(got.FunctionARN, ":function:hello") || got.LastModified.IsZero() {
		t.Errorf("hello:\n got %+v\nwant %+v", got, want)
	}

	arm, err := hello.Metadata(ctx, "hello-arm", "")
	if err != nil || arm.Architecture != "arm64" {
		t.Errorf("hello-arm: architecture %q, %v; want arm64", arm.Architecture, err)
	}

	// The same function by full ARN, partial ARN and with $LATEST.
	partial := strings.TrimPrefix(got.FunctionARN, "arn:aws:lambda:us-east-1:")
	for _, name := range []string{got.FunctionARN, partial, "hello:$LATEST", got.FunctionARN + ":$LATEST"} {
		m, err := hello.Metadata(ctx, name, "")
		if err != nil || m.FunctionARN != got.FunctionARN || m.MemoryMB != 128 {
			t.Errorf("Metadata(%q) = %s %d MB, %v; want %s", name, m.FunctionARN, m.MemoryMB, err, got.FunctionARN)
		}
	}

	env, err := sl.client(t, "lambdactl").Metadata(ctx, "withenv", "")
	if err != nil || env.MemoryMB != 256 || env.Architecture != "arm64" || env.Runtime != "python3.13" || env.Timeout != 10*time.Second {
		t.Errorf("withenv: %+v, %v", env, err)
	}
}

// A qualifier reads a published version, whether given apart or in the
// name; the two must not disagree.
func TestMetadataOfPublishedVersion(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	c := sl.client(t, "aws-go-hello")
	if _, err := sl.lambdaAPI(t, "aws-go-hello").PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range [][2]string{{"hello", "1"}, {"hello:1", ""}, {"hello:1", "1"}} {
		m, err := c.Metadata(ctx, q[0], q[1])
		if err != nil || m.Version != "1" || !strings.HasSuffix(m.FunctionARN, ":function:hello:1") {
			t.Errorf("Metadata(%q, %q) = version %q %s, %v; want version 1", q[0], q[1], m.Version, m.FunctionARN, err)
		}
	}
	before := sl.requests.n.Load()
	if _, err := c.Metadata(ctx, "hello:1", "2"); err == nil || !strings.Contains(err.Error(), "contradicts") {
		t.Errorf("contradicting qualifiers: %v", err)
	}
	if n := sl.requests.n.Load() - before; n != 0 {
		t.Errorf("contradicting qualifiers sent %d requests, want none", n)
	}
}
