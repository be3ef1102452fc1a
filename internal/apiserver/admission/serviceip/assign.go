package serviceip

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// assigner fills in one service's IP and node ports for one admission,
// remembering what it reserved so that a failure undoes exactly that.
type assigner struct {
	p     *Plugin
	ctx   context.Context
	owner string
	dry   bool
	old   itemSet // what the service held before this write
	keep  itemSet // what it holds after
	added []item  // reserved by this admission
}

func (p *Plugin) newAssigner(ctx context.Context, svc, old *corev1.Service, dry bool) *assigner {
	return &assigner{p: p, ctx: ctx, owner: owner(svc), dry: dry, old: p.holdings(old), keep: itemSet{}}
}

// take holds a requested offset: free already if the service held it.
func (as *assigner) take(pl *pool, off uint64) error {
	it := item{pl, off}
	if as.old[it] || as.keep[it] {
		as.keep[it] = true
		return nil
	}
	if err := pl.claim(as.ctx, off, as.owner, as.dry); err != nil {
		return err
	}
	as.keep[it] = true
	if !as.dry {
		as.added = append(as.added, it)
	}
	return nil
}

// any holds a free offset of the pool.
func (as *assigner) any(pl *pool) (uint64, error) {
	off, err := pl.claimAny(as.ctx, as.owner, as.dry)
	if err != nil {
		return 0, err
	}
	it := item{pl, off}
	as.keep[it] = true
	if !as.dry {
		as.added = append(as.added, it)
	}
	return off, nil
}

// assign fills svc in place; old is nil on create.
func (as *assigner) assign(svc, old *corev1.Service) error {
	if err := as.assignIP(svc, old); err != nil {
		return err
	}
	if err := as.assignNodePorts(svc); err != nil {
		return err
	}
	return as.assignHealthCheck(svc)
}

func (as *assigner) assignIP(svc, old *corev1.Service) error {
	s := &svc.Spec
	if !hasClusterIP(s) {
		return nil
	}
	if s.ClusterIP == "" {
		off, err := as.any(as.p.ips)
		if err != nil {
			return allocError("failed to allocate a serviceIP", err)
		}
		ip := as.p.ipRange.addr(off).String()
		s.ClusterIP, s.ClusterIPs = ip, []string{ip}
		return nil
	}
	ipsPath := field.NewPath("spec", "clusterIPs")
	if len(s.ClusterIPs) > 1 {
		return invalid(svc, field.Invalid(ipsPath, s.ClusterIPs, "this cluster is not configured for dual-stack services"))
	}
	if old != nil && hasClusterIP(&old.Spec) && old.Spec.ClusterIP != "" && old.Spec.ClusterIP != s.ClusterIP {
		// Validation refuses this; never reserve a second IP for one service.
		return invalid(svc, field.Invalid(ipsPath.Index(0), s.ClusterIPs, "may not change once set"))
	}
	if len(s.ClusterIPs) == 0 {
		s.ClusterIPs = []string{s.ClusterIP}
	}
	off, ok := as.p.ipRange.offset(s.ClusterIP)
	if !ok {
		return invalid(svc, field.Invalid(ipsPath, s.ClusterIPs, fmt.Sprintf(
			"failed to allocate IP %s: provided IP is not in the valid range. The range of valid IPs is %s", s.ClusterIP, as.p.ipRange.cidr)))
	}
	if err := as.take(as.p.ips, off); err != nil {
		if errors.Is(err, errAllocated) {
			return invalid(svc, field.Invalid(ipsPath, s.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", s.ClusterIP)))
		}
		return allocError("failed to allocate IP "+s.ClusterIP, err)
	}
	return nil
}

// assignNodePorts holds the requested node ports first, then gives the
// others one each. Ports with the same number (TCP and UDP of one
// service) share a node port, as in Kubernetes.
func (as *assigner) assignNodePorts(svc *corev1.Service) error {
	s := &svc.Spec
	if !hasNodePorts(s) {
		return nil
	}
	byPort := map[int32]int32{}
	for i := range s.Ports {
		sp := &s.Ports[i]
		if sp.NodePort == 0 {
			continue
		}
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		if err := as.takePort(svc, sp.NodePort, path); err != nil {
			return err
		}
		byPort[sp.Port] = sp.NodePort
	}
	if !allocatesNodePorts(s) {
		return nil
	}
	for i := range s.Ports {
		sp := &s.Ports[i]
		if sp.NodePort != 0 {
			continue
		}
		if np, ok := byPort[sp.Port]; ok {
			sp.NodePort = np
			continue
		}
		np, err := as.anyPort()
		if err != nil {
			return err
		}
		sp.NodePort, byPort[sp.Port] = np, np
	}
	return nil
}

func (as *assigner) assignHealthCheck(svc *corev1.Service) error {
	s := &svc.Spec
	if !needsHealthCheck(s) {
		return nil
	}
	if s.HealthCheckNodePort != 0 {
		return as.takePort(svc, s.HealthCheckNodePort, field.NewPath("spec", "healthCheckNodePort"))
	}
	np, err := as.anyPort()
	if err != nil {
		return err
	}
	s.HealthCheckNodePort = np
	return nil
}

func (as *assigner) takePort(svc *corev1.Service, port int32, path *field.Path) error {
	off, ok := as.p.portRange.offset(port)
	if !ok {
		return invalid(svc, field.Invalid(path, port, fmt.Sprintf(
			"provided port is not in the valid range. The range of valid ports is %s", as.p.portRange)))
	}
	if err := as.take(as.p.ports, off); err != nil {
		if errors.Is(err, errAllocated) {
			return invalid(svc, field.Invalid(path, port, "provided port is already allocated"))
		}
		return allocError("failed to allocate nodePort "+strconv.Itoa(int(port)), err)
	}
	return nil
}

func (as *assigner) anyPort() (int32, error) {
	off, err := as.any(as.p.ports)
	if err != nil {
		return 0, allocError("failed to allocate a nodePort", err)
	}
	return int32(as.p.portRange.lo + int(off)), nil
}
