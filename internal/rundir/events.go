package rundir

// Event types in events.jsonl.
const (
	EventErrorSample = "error_sample" // the first error of a class in an interval
	EventColdStart   = "cold_start"   // one cold start, with its evidence
	EventInstance    = "instance"     // an execution environment: first and last seen
	EventInterrupted = "interrupted"
)

// Event is one line of events.jsonl.
type Event struct {
	Type    string `json:"type"`             // one of the Event* types
	AtNanos int64  `json:"t_ns"`             // offset from run start (intended send time for requests)
	Target  string `json:"target,omitempty"` // target name
	Class   string `json:"class,omitempty"`  // error class
	Status  int    `json:"status,omitempty"` // HTTP status, when there was one
	Count   int64  `json:"count,omitempty"`  // how many such errors the interval had
	Message string `json:"message,omitempty"`

	// Cold starts and instances.
	LatencyNanos int64  `json:"latency_ns,omitempty"` // client latency of the cold request
	InitNanos    int64  `json:"init_ns,omitempty"`    // init or restore duration, when reported
	Instance     string `json:"instance,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	RequestID    string `json:"request_id,omitempty"` // the platform's request id, when known
	FirstNanos   int64  `json:"first_ns,omitempty"`   // instance: first and last intended send
	LastNanos    int64  `json:"last_ns,omitempty"`    // time of a request it answered
}
