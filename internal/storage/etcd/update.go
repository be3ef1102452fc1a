package etcd

import (
	"bytes"
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

// state is what the store believes is at a key before a conditional write.
type state struct {
	obj runtime.Object
	rev int64
	// data is the stored bytes, nil when the state is a caller's
	// suggestion (a cached object) that may be stale.
	data []byte
}

func (st *state) suggested() bool { return st.data == nil }

// current reads the latest state at key; NotFound when there is none.
func (s *Store) current(ctx context.Context, key string) (*state, error) {
	resp, err := s.c.Client.Get(ctx, key)
	if err != nil {
		return nil, mapEtcdError(s.c.GroupResource, key, err)
	}
	return s.stateFrom(key, resp)
}

func (s *Store) stateFrom(key string, resp *clientv3.GetResponse) (*state, error) {
	if len(resp.Kvs) == 0 {
		return nil, apierrors.NewNotFound(s.c.GroupResource, nameOf(key))
	}
	kv := resp.Kvs[0]
	obj, err := s.decode(key, kv.Value, kv.ModRevision)
	if err != nil {
		return nil, err
	}
	return &state{obj: obj, rev: kv.ModRevision, data: kv.Value}, nil
}

// suggestedState trusts a cached object's resourceVersion as its mod
// revision; the conditional write catches a stale one.
func suggestedState(obj runtime.Object) *state {
	if obj == nil {
		return nil
	}
	rev, err := objectRV(obj)
	if err != nil || rev == 0 {
		return nil
	}
	return &state{obj: obj, rev: rev}
}

// GuaranteedUpdate implements storage.Store.
func (s *Store) GuaranteedUpdate(ctx context.Context, key string, tryUpdate storage.UpdateFunc) (runtime.Object, error) {
	return s.GuaranteedUpdateFrom(ctx, key, tryUpdate, nil)
}

// GuaranteedUpdateFrom is GuaranteedUpdate starting from suggestion (a
// cached copy of the current object, or nil) instead of a read. A stale
// suggestion costs one failed transaction; an error from tryUpdate on it
// is retried on the fresh object before it is believed.
func (s *Store) GuaranteedUpdateFrom(ctx context.Context, key string, tryUpdate storage.UpdateFunc, suggestion runtime.Object) (runtime.Object, error) {
	st := suggestedState(suggestion)
	if st == nil {
		var err error
		if st, err = s.current(ctx, key); err != nil {
			return nil, err
		}
	}
	for {
		newObj, err := tryUpdate(st.obj)
		if err != nil {
			if !st.suggested() {
				return nil, err
			}
			if st, err = s.current(ctx, key); err != nil {
				return nil, err
			}
			continue
		}
		data, err := s.encode(newObj)
		if err != nil {
			return nil, s.internal(key, err)
		}
		if !st.suggested() && bytes.Equal(data, st.data) {
			return st.obj, nil // no-op: no write, no new resourceVersion
		}
		out, fresh, err := s.commitUpdate(ctx, key, st, data)
		if err != nil || out != nil {
			return out, err
		}
		st = fresh
	}
}

// commitUpdate writes data if the object is still at st.rev. It returns
// the stored object, or the fresh state to retry with when it changed.
func (s *Store) commitUpdate(ctx context.Context, key string, st *state, data []byte) (runtime.Object, *state, error) {
	then := clientv3.OpPut(key, string(data))
	if st.suggested() {
		// Without the current bytes, let etcd detect the no-op: write
		// only when the stored value differs.
		then = clientv3.OpTxn(
			[]clientv3.Cmp{clientv3.Compare(clientv3.Value(key), "=", string(data))},
			nil, []clientv3.Op{then})
	}
	resp, err := s.c.Client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", st.rev)).
		Then(then).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return nil, nil, mapEtcdError(s.c.GroupResource, key, err)
	}
	if !resp.Succeeded {
		fresh, err := s.stateFrom(key, (*clientv3.GetResponse)(resp.Responses[0].GetResponseRange()))
		return nil, fresh, err
	}
	if st.suggested() && resp.Responses[0].GetResponseTxn().Succeeded {
		// Unchanged bytes: nothing was written. The suggestion is the
		// cache's; the caller gets an object of its own.
		return st.obj.DeepCopyObject(), nil, nil
	}
	out, err := s.decode(key, data, resp.Header.Revision)
	return out, nil, err
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string, check func(runtime.Object) error) (runtime.Object, error) {
	return s.DeleteFrom(ctx, key, check, nil)
}

// DeleteFrom is Delete starting from suggestion (a cached copy of the
// current object, or nil) instead of a read; see GuaranteedUpdateFrom.
func (s *Store) DeleteFrom(ctx context.Context, key string, check func(runtime.Object) error, suggestion runtime.Object) (runtime.Object, error) {
	st := suggestedState(suggestion)
	if st == nil {
		var err error
		if st, err = s.current(ctx, key); err != nil {
			return nil, err
		}
	}
	for {
		if check != nil {
			if err := check(st.obj); err != nil {
				if !st.suggested() {
					return nil, err
				}
				if st, err = s.current(ctx, key); err != nil {
					return nil, err
				}
				continue
			}
		}
		resp, err := s.c.Client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", st.rev)).
			Then(clientv3.OpDelete(key)).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return nil, mapEtcdError(s.c.GroupResource, key, err)
		}
		if resp.Succeeded {
			return st.obj, nil
		}
		if st, err = s.stateFrom(key, (*clientv3.GetResponse)(resp.Responses[0].GetResponseRange())); err != nil {
			return nil, err
		}
	}
}
