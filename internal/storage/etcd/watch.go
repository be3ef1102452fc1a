package etcd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
)

// watchBuffer lets a direct watch run a little ahead of its reader.
const watchBuffer = 100

// Watch implements storage.Store with a direct etcd watch. It is what a
// watch cache falls back to for revisions older than its own history.
func (s *Store) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (watch.Interface, error) {
	rv, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	var initial []runtime.Object
	startRev := rv + 1
	switch {
	case WantsInitialEvents(opts):
		var listRev int64
		if initial, listRev, err = s.snapshot(ctx, prefix, rv); err != nil {
			return nil, err
		}
		startRev = listRev + 1
	case rv == 0:
		cur, err := s.CurrentRevision(ctx)
		if err != nil {
			return nil, err
		}
		startRev = cur + 1
	default:
		if err := s.checkHistory(ctx, prefix, rv); err != nil {
			return nil, err
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &directWatch{s: s, opts: opts, out: make(chan watch.Event, watchBuffer), cancel: cancel, startRev: startRev}
	wopts := []clientv3.OpOption{clientv3.WithRev(startRev), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if strings.HasSuffix(prefix, "/") {
		wopts = append(wopts, clientv3.WithPrefix())
	}
	wch := s.c.Client.Watch(clientv3.WithRequireLeader(wctx), prefix, wopts...)
	go w.run(wctx, initial, wch)
	return w, nil
}

// snapshot reads the objects under prefix (or the one at key) at the
// latest revision, which must be at least minRV.
func (s *Store) snapshot(ctx context.Context, prefix string, minRV int64) ([]runtime.Object, int64, error) {
	if strings.HasSuffix(prefix, "/") {
		res, err := s.List(ctx, prefix, storage.ListOptions{ResourceVersion: fmt.Sprint(minRV), ResourceVersionMatch: "NotOlderThan"})
		if err != nil {
			return nil, 0, err
		}
		return res.Items, res.ResourceVersion, nil
	}
	resp, err := s.c.Client.Get(ctx, prefix)
	if err != nil {
		return nil, 0, mapEtcdError(s.c.GroupResource, prefix, err)
	}
	if resp.Header.Revision < minRV {
		return nil, 0, TooLargeResourceVersion(minRV, resp.Header.Revision)
	}
	if len(resp.Kvs) == 0 {
		return nil, resp.Header.Revision, nil
	}
	obj, err := s.decode(prefix, resp.Kvs[0].Value, resp.Kvs[0].ModRevision)
	if err != nil {
		return nil, 0, err
	}
	return []runtime.Object{obj}, resp.Header.Revision, nil
}

// checkHistory answers 410 Gone when the changes after rv were compacted
// away; a read at rv+1 fails exactly when a watch from rv+1 would.
func (s *Store) checkHistory(ctx context.Context, key string, rv int64) error {
	_, err := s.c.Client.Get(ctx, key, clientv3.WithRev(rv+1), clientv3.WithCountOnly())
	switch {
	case err == nil, isFutureRev(err):
		return nil
	case isCompacted(err):
		return TooOldResourceVersion(rv, s.compactedRevision(ctx, key, rv+1))
	}
	return mapEtcdError(s.c.GroupResource, key, err)
}

// compactedRevision asks etcd for its compaction point: a watch from a
// compacted revision is answered at once with it. 0 if unknown.
func (s *Store) compactedRevision(ctx context.Context, key string, rev int64) int64 {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for resp := range s.c.Client.Watch(cctx, key, clientv3.WithRev(rev)) {
		return resp.CompactRevision
	}
	return 0
}

// directWatch turns one etcd watch into watch.Events.
type directWatch struct {
	s        *Store
	opts     storage.WatchOptions
	out      chan watch.Event
	cancel   context.CancelFunc
	startRev int64
}

func (w *directWatch) Stop()                          { w.cancel() }
func (w *directWatch) ResultChan() <-chan watch.Event { return w.out }

func (w *directWatch) run(ctx context.Context, initial []runtime.Object, wch clientv3.WatchChan) {
	defer close(w.out)
	defer w.cancel()
	for _, obj := range initial {
		if w.opts.Predicate == nil || w.opts.Predicate(obj) {
			if !w.send(ctx, watch.Event{Type: watch.Added, Object: obj}) {
				return
			}
		}
	}
	if WantsEndBookmark(w.opts) && !w.send(ctx, Bookmark(w.s.c.NewFunc, w.startRev-1, true)) {
		return
	}
	for resp := range wch {
		if !w.handle(ctx, resp) {
			return
		}
	}
}

// handle sends the events of one etcd response; false ends the watch.
func (w *directWatch) handle(ctx context.Context, resp clientv3.WatchResponse) bool {
	if resp.CompactRevision != 0 {
		w.send(ctx, errorEvent(TooOldResourceVersion(w.startRev-1, resp.CompactRevision)))
		return false
	}
	if err := resp.Err(); err != nil {
		if ctx.Err() == nil {
			w.send(ctx, errorEvent(mapEtcdError(w.s.c.GroupResource, "", err)))
		}
		return false
	}
	if resp.IsProgressNotify() {
		return !w.opts.Bookmarks || w.send(ctx, Bookmark(w.s.c.NewFunc, resp.Header.Revision, false))
	}
	for _, ev := range resp.Events {
		ch, err := w.s.changeOf(ev)
		if err != nil {
			w.send(ctx, errorEvent(err))
			return false
		}
		if e, ok := ch.EventFor(w.opts.Predicate); ok && !w.send(ctx, e) {
			return false
		}
	}
	return true
}

func (w *directWatch) send(ctx context.Context, e watch.Event) bool {
	select {
	case w.out <- e:
		return true
	case <-ctx.Done():
		return false
	}
}

// changeOf decodes an etcd event (watched WithPrevKV) into a Change.
func (s *Store) changeOf(ev *clientv3.Event) (*Change, error) {
	key := string(ev.Kv.Key)
	ch := &Change{Key: key, Rev: ev.Kv.ModRevision}
	var err error
	if ev.PrevKv != nil {
		if ch.Prev, err = s.decode(key, ev.PrevKv.Value, ev.PrevKv.ModRevision); err != nil {
			return nil, err
		}
	}
	if ev.Type == mvccpb.DELETE {
		ch.Deleted = true
		if ch.Prev == nil {
			return nil, s.internal(key, fmt.Errorf("delete event at revision %d without previous value", ch.Rev))
		}
		ch.Object, err = s.decode(key, ev.PrevKv.Value, ch.Rev)
		return ch, err
	}
	ch.Object, err = s.decode(key, ev.Kv.Value, ch.Rev)
	return ch, err
}

// errorEvent carries an API error to a watcher, as Kubernetes does.
func errorEvent(err error) watch.Event {
	if st, ok := err.(apierrors.APIStatus); ok {
		status := st.Status()
		return watch.Event{Type: watch.Error, Object: &status}
	}
	status := apierrors.NewInternalError(err).Status()
	return watch.Event{Type: watch.Error, Object: &status}
}
