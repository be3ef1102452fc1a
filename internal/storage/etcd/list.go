package etcd

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

// maxPage bounds one etcd range read, so an unlimited list of a huge
// resource does not become one enormous response.
const maxPage = 10000

// listPlan says where and at which revision a list reads.
type listPlan struct {
	start      string
	rev        int64 // 0: the latest revision
	minRV      int64 // the read must be at least this new
	continuing bool
}

func planList(prefix string, opts storage.ListOptions) (listPlan, error) {
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return listPlan{}, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
		}
		rv, start, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return listPlan{}, err
		}
		return listPlan{start: start, rev: max(rv, 0), continuing: true}, nil
	}
	rv, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return listPlan{}, err
	}
	plan := listPlan{start: prefix}
	switch metav1.ResourceVersionMatch(opts.ResourceVersionMatch) {
	case metav1.ResourceVersionMatchExact:
		plan.rev = rv
	case metav1.ResourceVersionMatchNotOlderThan:
		plan.minRV = rv
	case "":
		// Kubernetes' legacy rule: a limited list at resourceVersion N
		// reads exactly N, so its pages are consistent with each other.
		if opts.Limit > 0 && rv > 0 {
			plan.rev = rv
		} else {
			plan.minRV = rv
		}
	default:
		return listPlan{}, apierrors.NewBadRequest(fmt.Sprintf("unknown resourceVersionMatch %q", opts.ResourceVersionMatch))
	}
	return plan, nil
}

// List implements storage.Store: it reads etcd pages at one revision until
// Limit objects passed the predicate or the range ends.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (*storage.ListResult, error) {
	if !strings.HasSuffix(prefix, "/") {
		return nil, s.internal(prefix, fmt.Errorf("list prefix %q must end with /", prefix))
	}
	plan, err := planList(prefix, opts)
	if err != nil {
		return nil, err
	}
	l := &lister{s: s, prefix: prefix, opts: opts, plan: plan, end: clientv3.GetPrefixRangeEnd(prefix)}
	return l.run(ctx)
}

// lister is the state of one List call.
type lister struct {
	s      *Store
	prefix string
	end    string
	opts   storage.ListOptions
	plan   listPlan
	rev    int64
	result storage.ListResult
}

func (l *lister) run(ctx context.Context) (*storage.ListResult, error) {
	l.rev = l.plan.rev
	key := l.plan.start
	batch := pageSize(l.opts)
	for {
		resp, err := l.read(ctx, key, batch)
		if err != nil {
			return nil, err
		}
		done, err := l.take(resp)
		if err != nil || done {
			return l.finish(), err
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return l.finish(), nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		// A predicate rejected some objects: read more at once next time.
		batch = min(batch*2, maxPage)
	}
}

func pageSize(opts storage.ListOptions) int64 {
	if opts.Limit > 0 && opts.Limit < maxPage {
		return opts.Limit
	}
	return maxPage
}

func (l *lister) read(ctx context.Context, key string, batch int64) (*clientv3.GetResponse, error) {
	ops := []clientv3.OpOption{clientv3.WithRange(l.end), clientv3.WithLimit(batch)}
	if l.rev > 0 {
		ops = append(ops, clientv3.WithRev(l.rev))
	}
	resp, err := l.s.c.Client.Get(ctx, key, ops...)
	switch {
	case err != nil && isCompacted(err) && l.plan.continuing:
		return nil, expiredContinue(l.prefix, key)
	case err != nil && isCompacted(err):
		return nil, TooOldResourceVersion(l.rev, 0)
	case err != nil && isFutureRev(err):
		return nil, TooLargeResourceVersion(l.rev, 0)
	case err != nil:
		return nil, mapEtcdError(l.s.c.GroupResource, l.prefix, err)
	}
	if l.rev == 0 {
		// Pin the following pages (and the continue token) to this read.
		l.rev = resp.Header.Revision
		if l.plan.minRV > l.rev {
			return nil, TooLargeResourceVersion(l.plan.minRV, l.rev)
		}
	}
	return resp, nil
}

// take decodes one etcd page into the result; done when Limit is reached.
func (l *lister) take(resp *clientv3.GetResponse) (bool, error) {
	for i, kv := range resp.Kvs {
		obj, err := l.s.decode(string(kv.Key), kv.Value, kv.ModRevision)
		if err != nil {
			return true, err
		}
		if l.opts.Predicate != nil && !l.opts.Predicate(obj) {
			continue
		}
		l.result.Items = append(l.result.Items, obj)
		if l.opts.Limit <= 0 || int64(len(l.result.Items)) < l.opts.Limit {
			continue
		}
		if i == len(resp.Kvs)-1 && !resp.More {
			return true, nil // the range ended exactly here
		}
		token, err := encodeContinue(l.rev, l.prefix, string(kv.Key)+"\x00")
		if err != nil {
			return true, l.s.internal(l.prefix, err)
		}
		l.result.Continue = token
		if l.opts.Predicate == nil {
			// Count is the number of keys from this page's first key on.
			remaining := resp.Count - int64(i+1)
			l.result.RemainingItemCount = &remaining
		}
		return true, nil
	}
	return false, nil
}

func (l *lister) finish() *storage.ListResult {
	l.result.ResourceVersion = l.rev
	if l.result.Items == nil {
		l.result.Items = []runtime.Object{}
	}
	return &l.result
}
