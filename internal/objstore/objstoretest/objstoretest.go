// Package objstoretest starts object-storage servers for tests, as
// httptest starts HTTP servers: an in-process S3 (gofakes3, in memory) and
// Azurite, the Azure Storage emulator, in a process of its own. Both
// listen on loopback only and stop when the test ends.
package objstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 starts an in-memory S3-compatible server holding an empty bucket
// and points the AWS SDK's default chain at it for the rest of the test
// (t.Setenv, so not in a parallel test): AWS_ENDPOINT_URL_S3, static
// credentials, AWS_REGION, and no shared config files, profile or
// instance metadata. It returns the server's URL.
func FakeS3(t testing.TB, bucket string) (endpoint string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatalf("creating bucket %q: %v", bucket, err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	for name, value := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         srv.URL,
		"AWS_ENDPOINT_URL":            "",
		"AWS_ACCESS_KEY_ID":           "AKIDFAKES3",
		"AWS_SECRET_ACCESS_KEY":       "fakes3-secret-key",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(name, value)
	}
	return srv.URL
}

// Azurite's development account, which every Azurite accepts (Azurite's
// README, "Default Storage Account").
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// azuriteReady bounds Azurite's start-up (node loading its modules).
const azuriteReady = 30 * time.Second

// Azurite starts Azurite's blob service in memory on a free loopback port,
// creates container in it, and stops it when the test ends. It returns the
// development account's service URL (http://127.0.0.1:PORT/devstoreaccount1)
// and a connection string for it; it sets no environment variable.
//
// The azurite-blob command is $FNBENCH_AZURITE, or bin/azurite-blob at the
// module root (make test installs it). Without it the test
// fails when CI=true, and is skipped otherwise.
func Azurite(t testing.TB, container string) (endpoint, connString string) {
	t.Helper()
	bin := azuriteBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", port,
		"--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
		"--disableTelemetry", "--disableProductStyleUrl", "--silent")
	// Its workspace, for whatever it writes despite --inMemoryPersistence.
	// Removed after the process is stopped: cleanups run last-in first-out.
	cmd.Dir = t.TempDir()
	var out bytes.Buffer // read only once the process has exited
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	addr := net.JoinHostPort("127.0.0.1", port)
	deadline := time.Now().Add(azuriteReady)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("%s exited before it listened on %s (%v):\n%s", bin, addr, err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			exited <- <-exited
			t.Fatalf("%s did not listen on %s within %v:\n%s", bin, addr, azuriteReady, out.String())
		}
	}

	endpoint = "http://" + addr + "/" + AzuriteAccount
	connString = fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		AzuriteAccount, AzuriteKey, endpoint)
	client, err := azblob.NewClientFromConnectionString(connString, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), azuriteReady)
	defer cancel()
	if _, err := client.CreateContainer(ctx, container, nil); err != nil {
		t.Fatalf("creating container %q in Azurite: %v", container, err)
	}
	return endpoint, connString
}

// azuriteBinary finds azurite-blob, or ends the test without it.
func azuriteBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("FNBENCH_AZURITE")
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(root, "bin", "azurite-blob")
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	msg := fmt.Sprintf("%s is missing: `make test` installs it (just Azurite: `make %s`), or set FNBENCH_AZURITE", bin, bin)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// moduleRoot is the nearest directory above the working directory (a
// test's package directory) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
