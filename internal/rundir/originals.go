package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fnbench/fnbench/internal/inputs"
)

// OriginalsFile records, before fnbench changes any function (forced cold
// starts, memory sweeps), what it is about to change, so that `fnbench
// restore` can put it back after a run that could not (SIGKILL). It holds
// no secret: fnbench changes a Lambda function's memory and its
// FNBENCH_COLD_NONCE variable only, and an Azure app's FNBENCH_COLD_NONCE
// setting only; every other variable and setting (connection strings,
// keys) is left as it is, so only those are recorded.
const OriginalsFile = "original-config.json"

// Originals is OriginalsFile.
type Originals struct {
	// Restored says the run put everything back itself.
	Restored bool             `json:"restored"`
	Targets  []OriginalTarget `json:"targets"`
}

// OriginalTarget is one function as fnbench found it, and how to reach its
// control plane again.
type OriginalTarget struct {
	Target string `json:"target"`
	// Provider is aws-lambda (the default, for runs that did not record
	// it) or azure-functions.
	Provider string `json:"provider,omitempty"`
	Function string `json:"function,omitempty"`
	// Azure: the app's resource id, and Resource Manager's endpoint when
	// it is not Azure's public cloud's.
	AzureResourceID string `json:"azure_resource_id,omitempty"`
	ARMEndpoint     string `json:"arm_endpoint,omitempty"`
	Region          string `json:"region,omitempty"`
	// Endpoint is the control plane's, when it is not AWS's own (an
	// http(s) URL); Profile the shared-config profile the run used.
	Endpoint  string `json:"endpoint,omitempty"`
	Profile   string `json:"profile,omitempty"`
	Simulated bool   `json:"simulated,omitempty"`
	MemoryMB  int    `json:"memory_mb,omitempty"`
	// Nonce is FNBENCH_COLD_NONCE as found (left by an earlier run): the
	// Lambda variable or the Azure app setting; nil when the function did
	// not carry it.
	Nonce *string `json:"nonce,omitempty"`
}

// WriteOriginals writes dir's OriginalsFile, creating dir, atomically.
func WriteOriginals(dir string, o *Originals) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &WriteError{fmt.Errorf("cannot create %s: %w", dir, err)}
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".original-*.json")
	if err != nil {
		return &WriteError{err}
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return &WriteError{err}
	}
	if err := tmp.Close(); err != nil {
		return &WriteError{err}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, OriginalsFile)); err != nil {
		return &WriteError{err}
	}
	return nil
}

// ReadOriginals reads dir's OriginalsFile.
func ReadOriginals(dir string) (*Originals, error) {
	path := filepath.Join(dir, OriginalsFile)
	b, err := inputs.ReadFile(path, inputs.RunInfoBytes, OriginalsFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: fnbench changed no function in that run (only forced cold starts and sweeps do), so there is nothing to restore", dir, OriginalsFile)
	}
	if err != nil {
		return nil, err
	}
	var o Originals
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &o, nil
}
