// Package cost is fnbench's pricing model: what a run, or a month at some
// rate, costs on AWS Lambda (with Amazon API Gateway), Azure Functions
// (Consumption, Flex Consumption, Premium) or Google Cloud Run, including
// per-request database work (DynamoDB on-demand, Cosmos DB serverless) and
// Event Grid operations.
//
// Prices are data: prices.yaml, embedded, versioned and dated, every entry
// carrying its source (a public page and the section of docs/sources.md
// that records it). Default returns it; Load overlays a user's --pricing
// file on it, with file:line:col errors. Where no public source gives a figure the
// table holds null and says so, and the bill notes what it left out.
//
// Three ways in, one bill out:
//   - Table.Price prices a target's Usage from a run: exact when the
//     platform's billing was measured (Lambda REPORT lines summed into
//     Billed), otherwise an upper-bound estimate that applies the provider's
//     rounding and minimums to client latency, labelled as such.
//   - Table.Calculate prices a Calculator: a configuration and a mean
//     request, `fnbench cost` without a run.
//   - Table.Project scales measured usage to a month at a rate, with the
//     free tier applied and volume tiers walked, and sizes the capacity it
//     needs (Little's law) against account limits.
//
// Each returns a Breakdown: lines of {item, quantity, unit, unit_price_usd,
// usd}, the total and the cost per million requests split into requests,
// compute, init, gateway and database. Marginal (no free tier) is the
// default for Price and Calculate. Money is exact (math/big.Rat) and is
// rounded only when printed.
//
// The package reads no clock, no network and no file but the override.
// It does not read runs: package analyze turns a run into Usage.
package cost
