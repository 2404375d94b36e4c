package lambdactl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Configuration is what GetFunctionConfiguration says about one version of
// a function, in fnbench's units.
type Configuration struct {
	FunctionARN string // qualified when a published version was asked for
	Version     string // "$LATEST" or a published version number
	MemoryMB    int
	// Architecture is "x86_64" or "arm64".
	Architecture string
	// Runtime is Lambda's identifier, e.g. "provided.al2023"; empty for a
	// container image.
	Runtime            string
	PackageType        string // "Zip" or "Image"
	EphemeralStorageMB int
	Timeout            time.Duration
	// SnapStartApplyOn is "None" or "PublishedVersions";
	// SnapStartOptimization is "On" for a version that restores from a
	// snapshot, else "Off".
	SnapStartApplyOn      string
	SnapStartOptimization string
	// LastModified is zero when Lambda's timestamp does not parse.
	LastModified time.Time
}

// lastModifiedLayout is how Lambda writes LastModified
// ("2026-08-14T18:33:52.816+0000").
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// Metadata reads the configuration of function at qualifier (a version or
// alias; empty for the one function names, $LATEST when it names none).
// Without lambda:GetFunctionConfiguration the error matches
// ErrNotPermitted.
func (c *Client) Metadata(ctx context.Context, function, qualifier string) (Configuration, error) {
	fn, q := splitQualifier(function)
	if fn == "" {
		return Configuration{}, errors.New("reading the configuration: no function named")
	}
	if qualifier != "" && q != "" && q != qualifier {
		return Configuration{}, fmt.Errorf("reading the configuration of %s: qualifier %q contradicts the %q in the function's name", function, qualifier, q)
	}
	if qualifier == "" {
		qualifier = q
	}
	out, err := c.getConfiguration(ctx, fn, qualifier)
	if err != nil {
		return Configuration{}, fmt.Errorf("reading the configuration: %w", err)
	}
	cfg := Configuration{
		FunctionARN:  aws.ToString(out.FunctionArn),
		Version:      aws.ToString(out.Version),
		MemoryMB:     int(aws.ToInt32(out.MemorySize)),
		Architecture: string(types.ArchitectureX8664), // Lambda's default when it lists none
		Runtime:      string(out.Runtime),
		PackageType:  string(out.PackageType),
		Timeout:      time.Duration(aws.ToInt32(out.Timeout)) * time.Second,
	}
	if len(out.Architectures) > 0 {
		cfg.Architecture = string(out.Architectures[0])
	}
	if out.EphemeralStorage != nil {
		cfg.EphemeralStorageMB = int(aws.ToInt32(out.EphemeralStorage.Size))
	}
	cfg.SnapStartApplyOn, cfg.SnapStartOptimization = string(types.SnapStartApplyOnNone), string(types.SnapStartOptimizationStatusOff)
	if s := out.SnapStart; s != nil {
		cfg.SnapStartApplyOn, cfg.SnapStartOptimization = string(s.ApplyOn), string(s.OptimizationStatus)
	}
	if t, err := time.Parse(lastModifiedLayout, aws.ToString(out.LastModified)); err == nil {
		cfg.LastModified = t
	}
	return cfg, nil
}

// getConfiguration is one GetFunctionConfiguration call.
func (c *Client) getConfiguration(ctx context.Context, function, qualifier string) (*lambda.GetFunctionConfigurationOutput, error) {
	in := &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := c.api.GetFunctionConfiguration(ctx, in)
	if err != nil {
		return nil, newError(ctx, "GetFunctionConfiguration", function, err)
	}
	return out, nil
}
