// Package objstore mirrors run directories to object storage (Amazon S3 or
// Azure Blob Storage) and back. The shards of a distributed run stream
// their run directories up while they run, so a pod that is killed loses
// at most one sync interval of data; fnbench merge later pulls every
// shard's directory down again.
//
// # URLs
//
//	s3://bucket[/prefix]
//	azblob://account/container[/prefix]
//
// IsURL tells such an argument from a local path, Parse reads it into a
// Location, and Open returns the Store of one. Keys given to a Store are
// relative to the Location's prefix.
//
// # Object layout
//
// An Uploader mirrors a flat run directory (the regular files of its top
// level, less hidden ones: the writers' temporary files) under its Store's
// prefix:
//
//	run.json                       a file replaced or rewritten whole: one object,
//	original-config.json           uploaded again when its size or mtime changed
//	merge.json, pending.log        and its bytes did (SHA-256)
//	latency.hlog.part-000001       an append-only file (*.hlog, *.jsonl): numbered
//	latency.hlog.part-000002       parts, each holding only the bytes appended since
//	…                              the part before it
//	events.jsonl.g2.part-000001    generation 2 of a file found shorter than what had
//	                               been uploaded of it, or replaced by another file
//	_started                       StartedKey: written by the shard before its first sync
//	_complete                      written by Finish, after the last sync
//
// Part numbers are zero-padded to 6 digits so that they sort; Fetch orders
// them by number, concatenates the parts of the highest generation of each
// file and refuses a generation with a missing part. Parts are never
// rewritten once a later part exists, so whatever instant a shard is
// killed at, the objects hold a prefix of every append-only file (the
// run-directory readers already skip a torn last line, package rundir).
// pending.log ends in .log but is not append-only: the recorder replaces
// it by rename every interval and removes it at the end of the run, so it
// is a whole file, and its object is deleted with it. A file removed from
// the directory is removed from the store.
//
// Keys that begin with _ are markers, not files of the run directory. An
// Uploader expects its prefix to hold no other key when it first syncs,
// and refuses one that does: a run uploaded twice to one prefix would
// interleave two runs' parts.
//
// # Credentials and endpoints
//
// S3: the AWS SDK's default chain (environment, shared config and
// credentials files with AWS_PROFILE, web identity (IRSA), container and
// instance roles). AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL points the
// client at an S3-compatible server, with path-style addressing, and with
// region us-east-1 unless one is configured. Against AWS itself with no
// region configured, Open asks S3 for the bucket's region (HeadBucket's
// x-amz-bucket-region).
//
// Azure: the service URL is https://<account>.blob.core.windows.net/, or
// AZURE_STORAGE_BLOB_ENDPOINT when set (for Azurite,
// http://127.0.0.1:10000/devstoreaccount1). The credential is the first
// that applies: AZURE_STORAGE_CONNECTION_STRING (which names its own
// endpoint), AZURE_STORAGE_KEY (the account's shared key), else azidentity's
// DefaultAzureCredential (workload identity in a pod, the Azure CLI on a
// laptop).
//
// Errors say what was being done and where ("uploading
// latency.hlog.part-000003 to s3://bucket/prefix: …") and never carry a
// secret: the values of the credential environment variables, the AWS
// credentials the chain produced, account keys, SAS signatures and SigV4
// credentials and signatures are masked in every message.
//
// What the package does not own: the files of a run directory and what
// they mean (package rundir), when to sync (the run), and combining
// shards (fnbench merge).
package objstore
