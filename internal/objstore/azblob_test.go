package objstore

import (
	"testing"

	"github.com/fnbench/fnbench/internal/objstore/objstoretest"
)

// Azurite, with each of the two credentials it can check: a connection
// string, and a shared key with AZURE_STORAGE_BLOB_ENDPOINT.
func TestBlobStore(t *testing.T) {
	loc, err := Parse("azblob://" + objstoretest.AzuriteAccount + "/fnbench-runs/team/run-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ConnectionString", func(t *testing.T) {
		_, connString := objstoretest.Azurite(t, loc.Bucket)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", connString)
		t.Setenv("AZURE_STORAGE_KEY", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", "")
		runStoreTests(t, loc)
	})
	t.Run("SharedKey", func(t *testing.T) {
		endpoint, _ := objstoretest.Azurite(t, loc.Bucket)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_KEY", objstoretest.AzuriteKey)
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", endpoint)
		runStoreTests(t, loc)
	})
}
