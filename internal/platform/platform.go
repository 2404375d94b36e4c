// Package platform holds the facts about serverless platforms that more
// than one package relies on: the provider names a target and a run
// directory carry, and Lambda's limits. A fact lives here once; its
// source is in docs/sources.md.
package platform

// Providers a target can name (rundir.TargetInfo.Provider).
const (
	Generic   = "generic"         // any URL: no cloud fnbench knows
	AWSLambda = "aws-lambda"      // Lambda, through a function URL, API Gateway or the Invoke API
	Azure     = "azure-functions" // Azure Functions, any hosting plan
)
