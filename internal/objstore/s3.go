package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Store is a Store in an S3 bucket.
type s3Store struct {
	loc    Location
	client *s3.Client
	secret *redactor
	*serverClock
	pageSize int32 // keys per List request; 0 for S3's default (1,000)
}

// defaultS3Region is the region of a client for an S3-compatible server
// that configures none: SigV4 needs one, and such servers take any.
const defaultS3Region = "us-east-1"

func openS3(ctx context.Context, loc Location) (*s3Store, error) {
	st := &s3Store{loc: loc, secret: newRedactor(), serverClock: &serverClock{}}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, st.secret.wrap("loading the AWS configuration for "+loc.String(), err, false)
	}
	if cfg.Credentials != nil {
		cfg.Credentials = aws.NewCredentialsCache(st.secret.provider(cfg.Credentials))
	}
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = clockedClient{next: next, clock: st.serverClock}
	var custom bool // AWS_ENDPOINT_URL_S3 or the like names a server
	newClient := func(region string) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			custom = o.BaseEndpoint != nil
			// An S3-compatible server at one address serves every
			// bucket: it cannot take the bucket in the host name.
			o.UsePathStyle = o.UsePathStyle || custom
			if region != "" {
				o.Region = region
			}
		})
	}
	st.client = newClient("")
	if cfg.Region == "" {
		if custom {
			st.client = newClient(defaultS3Region)
		} else {
			region, err := bucketRegion(ctx, newClient(defaultS3Region), loc.Bucket)
			if err != nil {
				return nil, st.secret.wrap(fmt.Sprintf("finding the region of %s (or set AWS_REGION)", loc), err, false)
			}
			st.client = newClient(region)
		}
	}
	return st, nil
}

// bucketRegion asks S3 which region holds bucket: S3 names it in the
// x-amz-bucket-region header of its answer to HeadBucket, even one that
// redirects or refuses.
func bucketRegion(ctx context.Context, client *s3.Client, bucket string) (string, error) {
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if err == nil && out.BucketRegion != nil && *out.BucketRegion != "" {
		return *out.BucketRegion, nil
	}
	if re, ok := errors.AsType[*awshttp.ResponseError](err); ok && re.Response != nil {
		if region := re.Response.Header.Get("X-Amz-Bucket-Region"); region != "" {
			return region, nil
		}
	}
	if err == nil {
		err = errors.New("S3 did not say")
	}
	return "", err
}

// clockedClient is an AWS SDK HTTP client that keeps the Date of every
// response.
type clockedClient struct {
	next  aws.HTTPClient
	clock *serverClock
}

func (c clockedClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if resp != nil {
		c.clock.observe(resp)
	}
	return resp, err
}

func (s *s3Store) Location() Location { return s.loc }

func (s *s3Store) Put(ctx context.Context, key string, body []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.loc.Bucket,
		Key:           aws.String(s.loc.key(key)),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return s.secret.wrap(fmt.Sprintf("uploading %s to %s", key, s.loc), err, false)
	}
	return nil
}

func (s *s3Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: aws.String(s.loc.key(key))})
	if err != nil {
		_, missing := errors.AsType[*types.NoSuchKey](err)
		return nil, s.secret.wrap(fmt.Sprintf("downloading %s from %s", key, s.loc), err, missing)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, s.secret.wrap(fmt.Sprintf("downloading %s from %s", key, s.loc), err, false)
	}
	return b, nil
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	// S3 answers a delete of a missing key with success.
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: aws.String(s.loc.key(key))})
	if err != nil {
		return s.secret.wrap(fmt.Sprintf("deleting %s from %s", key, s.loc), err, false)
	}
	return nil
}

func (s *s3Store) List(ctx context.Context, prefix string) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: aws.String(s.loc.key(prefix))}
	if s.pageSize > 0 {
		in.MaxKeys = aws.Int32(s.pageSize)
	}
	var keys []string
	for pages := s3.NewListObjectsV2Paginator(s.client, in); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.secret.wrap(fmt.Sprintf("listing %s", s.loc.Join(prefix)), err, false)
		}
		for _, o := range page.Contents {
			keys = append(keys, s.loc.rel(aws.ToString(o.Key)))
		}
	}
	slices.Sort(keys)
	return keys, nil
}
