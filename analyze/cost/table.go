package cost

import (
	_ "embed"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/fnbench/fnbench/internal/inputs"
)

// embeddedName names the built-in table in errors and reports.
const embeddedName = "prices.yaml"

//go:embed prices.yaml
var embedded []byte

// Table is one dated, versioned set of prices and the figures that go with
// them (free tiers, limits, the date INIT billing began). Every entry carries
// its source. Default returns the built-in table; Load overlays a user's
// file on it. A Table is read-only once built.
type Table struct {
	Format        int       `yaml:"format" required:"true"`  // 1
	Version       string    `yaml:"version" required:"true"` // names the table in reports
	Date          time.Time `yaml:"date" required:"true"`    // the newest effective date among the prices
	Note          string    `yaml:"note"`
	HoursPerMonth Quantity  `yaml:"hours_per_month"`

	Lambda     LambdaPrices     `yaml:"aws_lambda"`
	APIGateway APIGatewayPrices `yaml:"api_gateway"`
	Azure      AzurePrices      `yaml:"azure_functions"`
	DynamoDB   DynamoDBPrices   `yaml:"dynamodb"`
	CosmosDB   CosmosDBPrices   `yaml:"cosmos_db"`
	EventGrid  EventGridPrices  `yaml:"event_grid"`
	CloudRun   CloudRunPrices   `yaml:"cloud_run"`

	// Origin is "embedded prices.yaml", or the override file's path.
	Origin string `yaml:"-"`
}

// Price is what one unit costs: USD per Per units (Per is 1 unless the
// provider quotes per million). USD is unknown (not Known) when the source
// gives no price; nothing is charged for it then.
type Price struct {
	USD    Decimal `yaml:"usd" required:"true"`
	Per    int64   `yaml:"per"`
	Source string  `yaml:"source"`
}

// Tier is one step of a volume-tiered price: it applies from the previous
// tier's UpTo to its own, counted per account and month in the price's unit.
// The last tier has no UpTo (it is not Known).
type Tier struct {
	UpTo   Decimal `yaml:"up_to"`
	USD    Decimal `yaml:"usd" required:"true"`
	Per    int64   `yaml:"per"`
	Source string  `yaml:"source"`
}

// Tiers is a tier list, lowest first.
type Tiers []Tier

// Quantity is a figure that is not a price: a free allowance, a limit, a
// size. Value is unknown (not Known) when the source gives none.
type Quantity struct {
	Value  Decimal `yaml:"value" required:"true"`
	Source string  `yaml:"source"`
}

// Day is a calendar date (UTC) with its source.
type Day struct {
	Date   time.Time `yaml:"date" required:"true"`
	Source string    `yaml:"source"`
}

// ByArch holds one price per Lambda architecture.
type ByArch struct {
	X86_64 Price `yaml:"x86_64"`
	ARM64  Price `yaml:"arm64"`
}

// TiersByArch holds one tier list per Lambda architecture.
type TiersByArch struct {
	X86_64 Tiers `yaml:"x86_64"`
	ARM64  Tiers `yaml:"arm64"`
}

// LambdaPrices is AWS Lambda in one region. Duration is per GB-s.
type LambdaPrices struct {
	Region                 string      `yaml:"region"`
	Requests               Price       `yaml:"requests"`
	Duration               TiersByArch `yaml:"duration"`
	ProvisionedConcurrency ByArch      `yaml:"provisioned_concurrency"`
	ProvisionedDuration    ByArch      `yaml:"provisioned_duration"`
	EphemeralStorage       Price       `yaml:"ephemeral_storage"`
	EphemeralFreeMB        Quantity    `yaml:"ephemeral_free_mb"`
	SnapStartCache         Price       `yaml:"snapstart_cache"`
	FreeRequests           Quantity    `yaml:"free_requests"`
	FreeGBSeconds          Quantity    `yaml:"free_gb_seconds"`
	InitBilledFrom         Day         `yaml:"init_billed_from"`
	ConcurrencyLimit       Quantity    `yaml:"concurrency_limit"`
	KeepAlive              Quantity    `yaml:"keep_alive_s"` // idle seconds before an environment is reclaimed, typically
}

// APIGatewayPrices is Amazon API Gateway in one region, per request.
type APIGatewayPrices struct {
	Region            string   `yaml:"region"`
	HTTPAPI           Tiers    `yaml:"http_api"`
	HTTPAPIMeterBytes Quantity `yaml:"http_api_meter_bytes"`
	RESTAPI           Tiers    `yaml:"rest_api"`
	FreeRequests      Quantity `yaml:"free_requests"`
	RPSLimit          Quantity `yaml:"rps_limit"`
}

// AzurePrices is Azure Functions' three hosting plans.
type AzurePrices struct {
	Consumption ConsumptionPrices `yaml:"consumption"`
	Flex        FlexPrices        `yaml:"flex"`
	Premium     PremiumPrices     `yaml:"premium"`
}

// ConsumptionPrices is the Consumption plan; execution time is per GB-s.
type ConsumptionPrices struct {
	ExecutionTime       Price    `yaml:"execution_time"`
	Executions          Price    `yaml:"executions"`
	FreeGBSeconds       Quantity `yaml:"free_gb_seconds"`
	FreeExecutions      Quantity `yaml:"free_executions"`
	InstanceLimit       Quantity `yaml:"instance_limit"`
	InstanceConcurrency Quantity `yaml:"instance_concurrency"`
}

// FlexPrices is the Flex Consumption plan; execution times are per GB-s.
type FlexPrices struct {
	OnDemandExecutionTime    Price                 `yaml:"on_demand_execution_time"`
	OnDemandExecutions       Price                 `yaml:"on_demand_executions"`
	FreeGBSeconds            Quantity              `yaml:"free_gb_seconds"`
	FreeExecutions           Quantity              `yaml:"free_executions"`
	AlwaysReadyBaseline      Price                 `yaml:"always_ready_baseline"`
	AlwaysReadyExecutionTime Price                 `yaml:"always_ready_execution_time"`
	AlwaysReadyExecutions    Price                 `yaml:"always_ready_executions"`
	InstanceMemoryMB         []Quantity            `yaml:"instance_memory_mb"`
	InstanceConcurrency      []InstanceConcurrency `yaml:"instance_concurrency"`
	PythonConcurrency        Quantity              `yaml:"python_instance_concurrency"`
	InstanceLimit            Quantity              `yaml:"instance_limit"`
}

// InstanceConcurrency is how many HTTP requests one Flex instance of a given
// memory serves at once; Requests is unknown where the source is silent.
type InstanceConcurrency struct {
	MemoryMB int64   `yaml:"memory_mb" required:"true"`
	Requests Decimal `yaml:"requests" required:"true"`
	Source   string  `yaml:"source"`
}

// PremiumPrices is the Premium (Elastic Premium) plan, billed per instance
// hour by the plan's vCPUs and memory.
type PremiumPrices struct {
	VCPUHour      Price         `yaml:"vcpu_hour"`
	GBHour        Price         `yaml:"gb_hour"`
	Plans         []PremiumPlan `yaml:"plans"`
	MinInstances  Quantity      `yaml:"min_instances"`
	InstanceLimit Quantity      `yaml:"instance_limit"`
}

// PremiumPlan is one instance size, such as EP1.
type PremiumPlan struct {
	Name     string  `yaml:"name" required:"true"`
	VCPU     Decimal `yaml:"vcpu" required:"true"`
	MemoryGB Decimal `yaml:"memory_gb" required:"true"`
	Source   string  `yaml:"source"`
}

// DynamoDBPrices is DynamoDB on-demand capacity, per request unit.
type DynamoDBPrices struct {
	Region            string `yaml:"region"`
	WriteRequestUnits Price  `yaml:"write_request_units"`
	ReadRequestUnits  Price  `yaml:"read_request_units"`
}

// CosmosDBPrices is Cosmos DB serverless, per request unit (RU).
type CosmosDBPrices struct {
	RequestUnits Price `yaml:"request_units"`
}

// EventGridPrices is Event Grid's basic tier, per operation.
type EventGridPrices struct {
	Operations     Price    `yaml:"operations"`
	FreeOperations Quantity `yaml:"free_operations"`
}

// CloudRunPrices is Google Cloud Run's request-based billing.
type CloudRunPrices struct {
	VCPUSecond          Price    `yaml:"vcpu_second"`
	GiBSecond           Price    `yaml:"gib_second"`
	Requests            Price    `yaml:"requests"`
	FreeVCPUSeconds     Quantity `yaml:"free_vcpu_seconds"`
	FreeGiBSeconds      Quantity `yaml:"free_gib_seconds"`
	FreeRequests        Quantity `yaml:"free_requests"`
	InstanceConcurrency Quantity `yaml:"instance_concurrency"`
	InstanceLimit       Quantity `yaml:"instance_limit"`
}

// builtin is the embedded table, parsed once. It is never handed out:
// Default returns copies.
var builtin = sync.OnceValue(func() *Table {
	t, err := parseOnto(&Table{}, embeddedName, embedded)
	if err != nil {
		panic("cost: the embedded price table is invalid: " + err.Error())
	}
	t.Origin = "embedded " + embeddedName
	return t
})

// Default returns the built-in table (a copy of its own each call).
func Default() *Table {
	c := new(Table)
	deepCopy(reflect.ValueOf(c).Elem(), reflect.ValueOf(builtin()).Elem())
	return c
}

// deepCopy copies src to dst, duplicating slices; Decimal values are
// immutable and shared.
func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			deepCopy(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Struct:
		if src.Type() == typeDecimal || src.Type() == typeTime {
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			if src.Type().Field(i).IsExported() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// Load reads a pricing override file (fnbench cost --pricing FILE) and
// returns the built-in table with the file's entries in place of the
// built-in ones. Problems are reported as *scenarios.Errors, each naming
// file:line:col, as scenario files' are.
func Load(path string) (*Table, error) {
	data, err := inputs.ReadFile(path, inputs.PriceTableBytes, "pricing file")
	if err != nil {
		return nil, fmt.Errorf("pricing file: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on data already read; name labels errors and the table's
// Origin. The file must give format, version and date; every other entry
// is optional and replaces the built-in one whole.
func Parse(name string, data []byte) (*Table, error) {
	t, err := parseOnto(Default(), name, data)
	if err != nil {
		return nil, err
	}
	t.Origin = name
	return t, nil
}

// Ref names the table in a report: version, date and where it came from.
func (t *Table) Ref() TableRef {
	return TableRef{Version: t.Version, Date: t.Date.Format(time.DateOnly), Origin: t.Origin}
}

// TableRef is how a report names the price table it used.
type TableRef struct {
	Version string `json:"version"`
	Date    string `json:"date"`
	Origin  string `json:"origin"`
}

func (r TableRef) String() string {
	return fmt.Sprintf("%s of %s (%s)", r.Version, r.Date, r.Origin)
}
