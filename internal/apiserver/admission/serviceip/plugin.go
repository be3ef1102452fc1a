// Package serviceip allocates Services' cluster IPs and node ports inside
// the API server, as an admission plugin whose state lives in etcd.
package serviceip

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/api"
	"rudder/internal/apiserver"
)

const (
	// IPPrefix and NodePortPrefix hold one key per allocated IP or port.
	IPPrefix       = "/registry/ranges/serviceips/"
	NodePortPrefix = "/registry/ranges/servicenodeports/"

	// dnsOffset is the tenth address of the range (10.43.0.10), the
	// conventional cluster DNS IP: handed out only when asked for.
	dnsOffset = 9
	// releaseTimeout bounds releases, which run even after the request
	// that caused them was cancelled.
	releaseTimeout = 10 * time.Second
	// attemptTTL is how long a write's reservations are remembered for a
	// Rollback; any request is long finished by then.
	attemptTTL = 5 * time.Minute
	// sweepEvery spaces the scans for expired attempts.
	sweepEvery = 30 * time.Second
	// defaultLeakGrace: Repair frees an unused reservation only once it is
	// this old, so that it never frees what another API server reserved
	// for a write still in flight.
	defaultLeakGrace = time.Minute
)

// Plugin is the service IP and node port allocator.
type Plugin struct {
	ipRange   *ipRange
	portRange portRange
	ips       *pool
	ports     *pool
	log       *slog.Logger
	now       func() time.Time
	leakGrace time.Duration

	mu        sync.Mutex
	attempts  map[*apiserver.Attributes]*attempt
	lastSweep time.Time
}

var (
	_ apiserver.Admission      = (*Plugin)(nil)
	_ apiserver.Rollbacker     = (*Plugin)(nil)
	_ apiserver.DeleteObserver = (*Plugin)(nil)
)

// Option changes a Plugin's defaults.
type Option func(*Plugin)

// WithLeakGrace sets how old an unused reservation must be before Repair
// frees it (default one minute). Zero frees every unused one: right when
// no other API server shares the etcd.
func WithLeakGrace(d time.Duration) Option { return func(p *Plugin) { p.leakGrace = d } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Plugin) { p.log = l } }

// New makes the allocator for serviceCIDR (e.g. "10.43.0.0/16") and the
// node port range nodePorts (e.g. "30000-32767").
func New(client *clientv3.Client, serviceCIDR string, nodePorts string, opts ...Option) (*Plugin, error) {
	if client == nil {
		return nil, fmt.Errorf("service IP allocator: no etcd client")
	}
	ipr, err := parseIPRange(serviceCIDR)
	if err != nil {
		return nil, err
	}
	pr, err := parsePortRange(nodePorts)
	if err != nil {
		return nil, err
	}
	p := &Plugin{ipRange: ipr, portRange: pr, log: slog.Default(), now: time.Now,
		leakGrace: defaultLeakGrace, attempts: map[*apiserver.Attributes]*attempt{}}
	for _, o := range opts {
		o(p)
	}
	p.ips = p.newIPPool(client)
	p.ports = p.newPortPool(client)
	return p, nil
}

func (p *Plugin) newIPPool(kv clientv3.KV) *pool {
	r := p.ipRange
	reserved := map[uint64]bool{0: true} // the kubernetes service's
	if r.size > dnsOffset {
		reserved[dnsOffset] = true
	}
	return &pool{
		kv: kv, prefix: IPPrefix, size: r.size,
		static:   staticBand(r.total(), r.size, 16, 16, 256),
		reserved: reserved,
		name:     func(off uint64) string { return r.addr(off).String() },
		parse:    r.offset,
		now:      p.now,
	}
}

func (p *Plugin) newPortPool(kv clientv3.KV) *pool {
	r := p.portRange
	return &pool{
		kv: kv, prefix: NodePortPrefix, size: r.size(),
		static: staticBand(r.size(), r.size(), 32, 16, 128),
		name:   func(off uint64) string { return strconv.Itoa(r.lo + int(off)) },
		parse: func(s string) (uint64, bool) {
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, false
			}
			return r.offset(int32(n))
		},
		now: p.now,
	}
}

// FirstIP is the range's first usable address, the kubernetes service's.
func (p *Plugin) FirstIP() string { return p.ipRange.addr(0).String() }

func isService(k *api.Kind) bool {
	return k != nil && k.GVK.Group == "" && k.Resource == "services"
}

// Admit fills in and reserves the cluster IP and node ports of a created
// or updated Service; a requested IP or port that is taken or out of
// range refuses the write.
func (p *Plugin) Admit(ctx context.Context, a *apiserver.Attributes) error {
	if !isService(a.Kind) || a.Subresource != "" || a.Operation == apiserver.Delete {
		return nil
	}
	svc, ok := a.Object.(*corev1.Service)
	if !ok {
		return nil
	}
	var old *corev1.Service
	if a.Operation == apiserver.Update {
		old, _ = a.Old.(*corev1.Service)
	}
	p.sweep(ctx)
	if old != nil && !a.DryRun {
		p.supersede(ctx, owner(svc), old)
	}
	as := p.newAssigner(ctx, svc, old, a.DryRun)
	if err := as.assign(svc, old); err != nil {
		p.releaseAll(ctx, as.owner, as.added)
		return err
	}
	if !a.DryRun {
		p.remember(ctx, a, as, old != nil)
	}
	return nil
}

// Rollback releases what Admit reserved for a write that did not happen,
// and keeps what it was going to release.
func (p *Plugin) Rollback(ctx context.Context, a *apiserver.Attributes) {
	p.mu.Lock()
	att := p.attempts[a]
	delete(p.attempts, a)
	p.mu.Unlock()
	if att != nil {
		att.undo(ctx, p)
	}
}

// Deleted releases what a Service that left storage held.
func (p *Plugin) Deleted(ctx context.Context, kind *api.Kind, obj runtime.Object) {
	svc, ok := obj.(*corev1.Service)
	if !isService(kind) || !ok {
		return
	}
	p.releaseAll(ctx, owner(svc), p.holdings(svc).minus(nil))
}

// releaseAll frees items held by owner; failures are logged, since what
// is left behind is a leak that Repair frees, never a double allocation.
func (p *Plugin) releaseAll(ctx context.Context, owner string, items []item) {
	if len(items) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	for _, it := range items {
		if err := it.pool.release(rctx, it.off, owner); err != nil {
			p.log.Warn("release service allocation", "key", it.String(), "owner", owner, "err", err)
		}
	}
}
