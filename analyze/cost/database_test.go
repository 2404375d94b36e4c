package cost

import "testing"

// Hand-computed vectors for per-request services and Cloud Run, from
// docs/sources.md, "Serverless databases and event routing" and "Google
// Cloud Run".

func TestDatabasesPerRequest(t *testing.T) {
	c := Calculator{Provider: AWSLambda, MemoryMB: 128, DurationMs: 1, Requests: 1_000_000}
	// DynamoDB on-demand $0.125 per M reads, $0.625 per M writes.
	c.PerRequest = PerRequest{DynamoDBReadUnits: 1, DynamoDBWriteUnits: 1}
	exact(t, "DynamoDB read + write", calc(t, c).Part(PartDatabase), "0.75")
	// An eventually consistent read is half a unit: 0.5 M units → 0.0625.
	c.PerRequest = PerRequest{DynamoDBReadUnits: 0.5}
	exact(t, "eventually consistent read", calc(t, c).Part(PartDatabase), "0.0625")
	// Cosmos DB serverless about $0.25 per M RUs: 3 RUs each.
	c.PerRequest = PerRequest{CosmosDBRUs: 3}
	exact(t, "Cosmos DB", calc(t, c).Part(PartDatabase), "0.75")
	// Event Grid about $0.60 per M operations, 100,000 free:
	// 2 M operations → 1.20; with the free tier 1.9 M → 1.14.
	c.PerRequest = PerRequest{EventGridOps: 2}
	exact(t, "Event Grid", calc(t, c).Part(PartDatabase), "1.2")
	c.FreeTier = true
	exact(t, "Event Grid, free tier", calc(t, c).Part(PartDatabase), "1.14")
}

func TestCloudRun(t *testing.T) {
	// Cloud Run: $0.000024 per vCPU-s, $0.0000025 per GiB-s, $0.40 per M
	// requests, rounded up to 100 ms: 120 ms → 200 ms. 1 M × 0.2 s = 200,000
	// vCPU-s → 4.80; × 0.5 GiB = 100,000 GiB-s → 0.25; requests 0.40.
	c := Calculator{Provider: CloudRun, MemoryMB: 512, DurationMs: 120, Requests: 1_000_000}
	exact(t, "Cloud Run", calc(t, c).TotalUSD, "5.45")
	// Free 180,000 vCPU-s, 360,000 GiB-s, 2 M requests: 20,000 vCPU-s → 0.48.
	c.FreeTier = true
	exact(t, "Cloud Run, free tier", calc(t, c).TotalUSD, "0.48")
}
