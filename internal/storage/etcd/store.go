package etcd

import (
	"context"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/shallow"
	"rudder/internal/storage"
)

// Config says what one Store keeps and how.
type Config struct {
	Client        *clientv3.Client
	GroupResource schema.GroupResource
	Codec         runtime.Codec
	NewFunc       func() runtime.Object
}

// Store is the etcd implementation of storage.Store. Beyond the interface
// it offers GuaranteedUpdateFrom and DeleteFrom, which a cache uses to save
// a read (reach them with a type assertion on the storage.Store).
type Store struct {
	c Config
}

var _ storage.Store = (*Store)(nil)

// New returns a Store for one resource. Keys are chosen by the caller.
func New(c Config) storage.Store { return &Store{c: c} }

// Create stores obj at key unless the key exists.
func (s *Store) Create(ctx context.Context, key string, obj runtime.Object) (runtime.Object, error) {
	if rv, err := objectRV(obj); err != nil {
		return nil, s.internal(key, err)
	} else if rv != 0 {
		return nil, apierrors.NewBadRequest("resourceVersion should not be set on objects to be created")
	}
	data, err := s.encode(obj)
	if err != nil {
		return nil, s.internal(key, err)
	}
	resp, err := s.c.Client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(data))).
		Commit()
	if err != nil {
		return nil, mapEtcdError(s.c.GroupResource, key, err)
	}
	if !resp.Succeeded {
		return nil, apierrors.NewAlreadyExists(s.c.GroupResource, nameOf(key))
	}
	return s.decode(key, data, resp.Header.Revision)
}

// Get returns the object at key. Any resourceVersion is served by a
// linearizable read of the latest state, which satisfies "", "0" and "N"
// alike; "N" newer than etcd's revision is an error.
func (s *Store) Get(ctx context.Context, key string, opts storage.GetOptions) (runtime.Object, error) {
	minRV, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.Client.Get(ctx, key)
	if err != nil {
		return nil, mapEtcdError(s.c.GroupResource, key, err)
	}
	if resp.Header.Revision < minRV {
		return nil, TooLargeResourceVersion(minRV, resp.Header.Revision)
	}
	if len(resp.Kvs) == 0 {
		return nil, apierrors.NewNotFound(s.c.GroupResource, nameOf(key))
	}
	kv := resp.Kvs[0]
	return s.decode(key, kv.Value, kv.ModRevision)
}

// CurrentRevision is etcd's current revision, read through a quorum read
// of a single (usually missing) key, which costs etcd almost nothing.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	resp, err := s.c.Client.Get(ctx, "/registry/rudder-current-revision", clientv3.WithCountOnly())
	if err != nil {
		return 0, mapEtcdError(s.c.GroupResource, "", err)
	}
	return resp.Header.Revision, nil
}

// encode serialises obj without its resourceVersion: the revision lives
// in etcd's metadata, and equal objects must encode to equal bytes so a
// no-op update can be detected. A copy rather than obj loses the
// resourceVersion, because obj may be shared with a cache; a shallow one
// suffices since only a metadata scalar changes.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	if acc.GetResourceVersion() != "" {
		obj = shallow.Copy(obj)
		acc, _ = meta.Accessor(obj)
		acc.SetResourceVersion("")
	}
	data, err := runtime.Encode(s.c.Codec, obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	return data, nil
}

// decode turns stored bytes into a fresh object carrying rev as its
// resourceVersion.
func (s *Store) decode(key string, data []byte, rev int64) (runtime.Object, error) {
	obj, err := Decode(s.c.Codec, s.c.NewFunc, data, rev)
	if err != nil {
		return nil, s.internal(key, err)
	}
	return obj, nil
}

// Decode turns stored bytes into a fresh object of newFunc's type carrying
// rev as its resourceVersion. The watch cache shares it.
func Decode(codec runtime.Codec, newFunc func() runtime.Object, data []byte, rev int64) (runtime.Object, error) {
	obj, _, err := codec.Decode(data, nil, newFunc())
	if err != nil {
		return nil, fmt.Errorf("decode stored object: %w", err)
	}
	if err := setRV(obj, rev); err != nil {
		return nil, err
	}
	return obj, nil
}

func (s *Store) internal(key string, err error) error {
	return apierrors.NewInternalError(fmt.Errorf("%s %q: %w", s.c.GroupResource, nameOf(key), err))
}

func setRV(obj runtime.Object, rev int64) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("set resourceVersion on %T: %w", obj, err)
	}
	acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}

func objectRV(obj runtime.Object) (int64, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return 0, fmt.Errorf("read resourceVersion of %T: %w", obj, err)
	}
	if acc.GetResourceVersion() == "" {
		return 0, nil
	}
	return strconv.ParseInt(acc.GetResourceVersion(), 10, 64)
}

// parseRV reads a resourceVersion parameter: "" and "0" are 0.
func parseRV(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", rv))
	}
	return n, nil
}

// ParseResourceVersion reads a resourceVersion parameter as a revision,
// with "" and "0" as 0; a malformed one is a BadRequest.
func ParseResourceVersion(rv string) (int64, error) { return parseRV(rv) }
