package objstore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
)

// blobStore is a Store in an Azure Blob Storage container.
type blobStore struct {
	loc    Location
	client *azblob.Client
	secret *redactor
	*serverClock
	pageSize int32 // blobs per List request; 0 for the service's default (5,000)
}

func openBlob(loc Location) (*blobStore, error) {
	st := &blobStore{loc: loc, secret: newRedactor(), serverClock: &serverClock{}}
	opts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		PerRetryPolicies: []policy.Policy{clockPolicy{st.serverClock}},
		Telemetry:        policy.TelemetryOptions{Disabled: true},
	}}
	endpoint := os.Getenv("AZURE_STORAGE_BLOB_ENDPOINT")
	if endpoint == "" {
		endpoint = "https://" + loc.Account + ".blob.core.windows.net/"
	}
	var err error
	switch connString, key := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"), os.Getenv("AZURE_STORAGE_KEY"); {
	case connString != "":
		if account := connStringAccount(connString); account != "" && account != loc.Account {
			return nil, fmt.Errorf("opening %s: AZURE_STORAGE_CONNECTION_STRING is for account %q; name that account in the URL or unset the variable", loc, account)
		}
		st.client, err = azblob.NewClientFromConnectionString(connString, opts)
	case key != "":
		var cred *azblob.SharedKeyCredential
		if cred, err = azblob.NewSharedKeyCredential(loc.Account, key); err == nil {
			st.client, err = azblob.NewClientWithSharedKeyCredential(endpoint, cred, opts)
		}
	default:
		var cred azcore.TokenCredential
		if cred, err = azidentity.NewDefaultAzureCredential(nil); err == nil {
			st.client, err = azblob.NewClient(endpoint, cred, opts)
		}
	}
	if err != nil {
		return nil, st.secret.wrap("opening "+loc.String(), err, false)
	}
	return st, nil
}

// connStringAccount is the AccountName of an Azure Storage connection
// string, or "" when it names none (a SAS with a BlobEndpoint).
func connStringAccount(s string) string {
	for part := range strings.SplitSeq(s, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimSpace(k), "AccountName") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// clockPolicy keeps the Date of every response, retries included.
type clockPolicy struct{ clock *serverClock }

func (p clockPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if resp != nil {
		p.clock.observe(resp)
	}
	return resp, err
}

func (s *blobStore) Location() Location { return s.loc }

func (s *blobStore) Put(ctx context.Context, key string, body []byte) error {
	if _, err := s.client.UploadBuffer(ctx, s.loc.Bucket, s.loc.key(key), body, nil); err != nil {
		return s.secret.wrap(fmt.Sprintf("uploading %s to %s", key, s.loc), err, false)
	}
	return nil
}

func (s *blobStore) Get(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.client.DownloadStream(ctx, s.loc.Bucket, s.loc.key(key), nil)
	if err != nil {
		return nil, s.secret.wrap(fmt.Sprintf("downloading %s from %s", key, s.loc), err, bloberror.HasCode(err, bloberror.BlobNotFound))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, s.secret.wrap(fmt.Sprintf("downloading %s from %s", key, s.loc), err, false)
	}
	return b, nil
}

func (s *blobStore) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteBlob(ctx, s.loc.Bucket, s.loc.key(key), nil)
	if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return s.secret.wrap(fmt.Sprintf("deleting %s from %s", key, s.loc), err, false)
	}
	return nil
}

func (s *blobStore) List(ctx context.Context, prefix string) ([]string, error) {
	opts := &azblob.ListBlobsFlatOptions{Prefix: new(s.loc.key(prefix))}
	if s.pageSize > 0 {
		opts.MaxResults = &s.pageSize
	}
	var keys []string
	for pages := s.client.NewListBlobsFlatPager(s.loc.Bucket, opts); pages.More(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.secret.wrap(fmt.Sprintf("listing %s", s.loc.Join(prefix)), err, false)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name != nil {
				keys = append(keys, s.loc.rel(*b.Name))
			}
		}
	}
	slices.Sort(keys)
	return keys, nil
}
