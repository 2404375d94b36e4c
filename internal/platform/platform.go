// Package platform holds the facts about serverless platforms that more
// than one package relies on: the provider names that targets and run
// directories carry, Lambda's memory range, and the sim:// URLs that name
// endpoints of fnbench's built-in simulator. A fact lives here once; its
// public source is in docs/sources.md.
package platform

// Providers a target can name (rundir.TargetInfo.Provider).
const (
	Generic   = "generic"         // any URL: no cloud fnbench knows
	AWSLambda = "aws-lambda"      // Lambda, through a function URL, API Gateway or the Invoke API
	Azure     = "azure-functions" // Azure Functions, any hosting plan
)

// Lambda's configurable memory, in MB, in 1 MB steps (docs/sources.md,
// "AWS Lambda pricing").
const (
	LambdaMinMemoryMB = 128
	LambdaMaxMemoryMB = 10240
)

// LambdaMemoryOK reports whether mb is a memory size Lambda accepts.
func LambdaMemoryOK(mb int) bool { return mb >= LambdaMinMemoryMB && mb <= LambdaMaxMemoryMB }
