package objstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fnbench/fnbench/internal/objstore/objstoretest"
)

func TestS3Store(t *testing.T) {
	objstoretest.FakeS3(t, "fnbench-runs")
	loc, err := Parse("s3://fnbench-runs/team/run-1")
	if err != nil {
		t.Fatal(err)
	}
	runStoreTests(t, loc)
}

// Without a region, Open asks S3 for the bucket's: S3 names it in the
// x-amz-bucket-region header of a redirect, a refusal or a success.
func TestBucketRegionIsTheOneS3Names(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusForbidden, http.StatusOK} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-3")
			w.WriteHeader(status)
		}))
		client := s3.New(s3.Options{
			BaseEndpoint: aws.String(srv.URL),
			UsePathStyle: true,
			Region:       defaultS3Region,
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		})
		region, err := bucketRegion(context.Background(), client, "b")
		if err != nil || region != "eu-west-3" {
			t.Errorf("HTTP %d: bucketRegion = %q, %v; want eu-west-3", status, region, err)
		}
		srv.Close()
	}
}
