package serviceip

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Repair makes the persisted allocations match what services hold: it
// marks every IP and node port of services as theirs (adding what a lost
// write or an older version never recorded) and frees reservations no
// service holds (left by a crash between reserve and write) once they are
// older than the leak grace. Run it at startup with every stored service,
// and now and then afterwards to free leaks younger than the grace.
func (p *Plugin) Repair(ctx context.Context, services []corev1.Service) error {
	want := map[item]string{}
	for i := range services {
		svc := &services[i]
		for it := range p.holdings(svc) {
			if other, dup := want[it]; dup {
				p.log.Error("two services hold one allocation", "key", it.String(), "service", owner(svc), "other", other)
				continue
			}
			want[it] = owner(svc)
		}
		p.warnOutOfRange(svc)
	}
	for _, pl := range []*pool{p.ips, p.ports} {
		if err := p.repairPool(ctx, pl, want); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plugin) repairPool(ctx context.Context, pl *pool, want map[item]string) error {
	have, err := pl.list(ctx)
	if err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	for it, own := range want {
		if it.pool != pl {
			continue
		}
		if h, ok := have[it.off]; ok && h.Owner == own {
			continue
		}
		if err := pl.mark(ctx, it.off, own); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
	}
	cutoff := p.now().Add(-p.leakGrace)
	for off, h := range have {
		if _, used := want[item{pl, off}]; used || time.Unix(h.At, 0).After(cutoff) {
			continue
		}
		if _, err := pl.deleteAt(ctx, off, h.modRev); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
		p.log.Info("freed leaked service allocation", "key", item{pl, off}.String(), "owner", h.Owner)
	}
	return nil
}

// warnOutOfRange reports services whose IP or ports lie outside the
// configured ranges (the ranges changed): they keep them, unprotected.
func (p *Plugin) warnOutOfRange(svc *corev1.Service) {
	s := &svc.Spec
	if hasClusterIP(s) && s.ClusterIP != "" {
		if _, ok := p.ipRange.offset(s.ClusterIP); !ok {
			p.log.Warn("service cluster IP outside the service CIDR", "service", owner(svc), "ip", s.ClusterIP, "cidr", p.ipRange.cidr.String())
		}
	}
}

// Reserve holds ip for the service namespace/name, e.g. the kubernetes
// service's first address when the server writes that service itself.
// Reserving again for the same service is no error.
func (p *Plugin) Reserve(ctx context.Context, ip, namespace, name string) error {
	off, ok := p.ipRange.offset(ip)
	if !ok {
		return fmt.Errorf("reserve %s: not in the service CIDR %s", ip, p.ipRange.cidr)
	}
	own := namespace + "/" + name
	err := p.ips.claim(ctx, off, own, false)
	if !errors.Is(err, errAllocated) {
		return err
	}
	have, lerr := p.ips.get(ctx, off)
	if lerr != nil {
		return lerr
	}
	if have != nil && have.Owner == own {
		return nil
	}
	return apierrors.NewConflict(serviceResource, name, fmt.Errorf("IP %s is already allocated", ip))
}
