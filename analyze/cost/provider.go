package cost

import (
	"fmt"
	"strings"

	"github.com/fnbench/fnbench/internal/platform"
)

// Provider is a way of running a function that has its own billing rules.
type Provider string

// Providers fnbench prices.
const (
	AWSLambda        Provider = "aws-lambda"
	AzureConsumption Provider = "azure-consumption"
	AzureFlex        Provider = "azure-flex"
	AzurePremium     Provider = "azure-premium"
	CloudRun         Provider = "gcp-cloud-run"
)

// Providers lists every Provider, for flag help.
func Providers() []Provider {
	return []Provider{AWSLambda, AzureConsumption, AzureFlex, AzurePremium, CloudRun}
}

// ParseProvider reads a --provider value.
func ParseProvider(s string) (Provider, error) {
	for _, p := range Providers() {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	if strings.EqualFold(s, "azure-flex-consumption") {
		return AzureFlex, nil
	}
	return "", fmt.Errorf("provider %q is not known; use one of %s", s, joinProviders())
}

// ProviderOf maps a run's target metadata (run.json provider and plan, as
// the scenario's plan key spells them) to the Provider that prices it.
func ProviderOf(provider, plan string) (Provider, error) {
	switch strings.ToLower(provider) {
	case platform.AWSLambda:
		return AWSLambda, nil
	case platform.Azure, "azure":
		switch strings.ToLower(plan) {
		case "consumption", "":
			return AzureConsumption, nil
		case "flex", "flex-consumption":
			return AzureFlex, nil
		case "premium", "elastic-premium":
			return AzurePremium, nil
		}
		return "", fmt.Errorf("azure-functions plan %q is not known; use consumption, flex-consumption or premium", plan)
	case "gcp-cloud-run", "cloud-run":
		return CloudRun, nil
	}
	return "", fmt.Errorf("provider %q has no price model; set the target's plan or price it with fnbench cost --provider (%s)", provider, joinProviders())
}

func joinProviders() string {
	var names []string
	for _, p := range Providers() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// Arch is a Lambda instruction set architecture.
type Arch string

// Lambda architectures.
const (
	X86_64 Arch = "x86_64"
	ARM64  Arch = "arm64"
)

// ParseArch reads an architecture; empty means x86_64, Lambda's default.
func ParseArch(s string) (Arch, error) {
	switch strings.ToLower(s) {
	case "", "x86_64", "x86", "amd64":
		return X86_64, nil
	case "arm64", "arm", "aarch64", "graviton":
		return ARM64, nil
	}
	return "", fmt.Errorf("architecture %q is not known; use x86_64 or arm64", s)
}

// Gateway is what sits in front of a function and bills per request.
type Gateway string

// Gateways. NoGateway and FunctionURL add nothing (docs/sources.md, "AWS Lambda pricing").
const (
	NoGateway   Gateway = ""
	FunctionURL Gateway = "function-url"
	HTTPAPI     Gateway = "http-api"
	RESTAPI     Gateway = "rest-api"
)

// ParseGateway reads a --gateway value.
func ParseGateway(s string) (Gateway, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return NoGateway, nil
	case "function-url", "url":
		return FunctionURL, nil
	case "http-api", "http":
		return HTTPAPI, nil
	case "rest-api", "rest":
		return RESTAPI, nil
	}
	return "", fmt.Errorf("gateway %q is not known; use none, function-url, http-api or rest-api", s)
}

// Packaging is how a Lambda function is deployed, which decided whether its
// INIT phase was billed before 2025-08-01.
type Packaging string

// Lambda packagings. Before 2025-08-01 a ZIP function on a managed runtime
// had a free INIT (docs/sources.md, "AWS Lambda pricing"); the others are
// taken as billed, which is what the INIT billing announcement implies.
const (
	PackagingZip    Packaging = "zip"     // ZIP archive on a managed runtime (the default)
	PackagingImage  Packaging = "image"   // container image
	PackagingOSOnly Packaging = "os-only" // ZIP on an OS-only runtime (provided.al2023)
)

// ParsePackaging reads a packaging; empty means zip.
func ParsePackaging(s string) (Packaging, error) {
	switch strings.ToLower(s) {
	case "", "zip":
		return PackagingZip, nil
	case "image", "container":
		return PackagingImage, nil
	case "os-only", "provided", "custom":
		return PackagingOSOnly, nil
	}
	return "", fmt.Errorf("packaging %q is not known; use zip, image or os-only", s)
}
