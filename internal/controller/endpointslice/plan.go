package endpointslice

import (
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// MaxEndpointsPerSlice is Kubernetes' default --max-endpoints-per-slice.
const MaxEndpointsPerSlice = 100

// Plan lists the writes that turn the existing slices of one Service and
// address type into the desired ones.
type Plan struct {
	Create []*discoveryv1.EndpointSlice // content only; the caller names them
	Update []*discoveryv1.EndpointSlice // modified copies of existing slices
	Delete []*discoveryv1.EndpointSlice
}

// MakePlan keeps every endpoint in the slice it is already in where it can
// (proxies then see small diffs), puts new endpoints into slices with room
// before creating slices, and deletes slices left empty. A Service with no
// endpoints keeps one empty placeholder slice, as in Kubernetes. meta
// applies the desired labels/annotations to a slice and reports a change.
func MakePlan(existing []*discoveryv1.EndpointSlice, groups map[string]*Group, addrType discoveryv1.AddressType,
	maxPer int, meta func(*discoveryv1.EndpointSlice) bool) Plan {
	total := 0
	for _, g := range groups {
		total += len(g.Endpoints)
	}
	if total == 0 {
		return placeholderPlan(existing, addrType, meta)
	}
	byKey := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		k := PortsKey(s.Ports)
		byKey[k] = append(byKey[k], s)
	}
	var p Plan
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(groups[k].Endpoints) == 0 {
			continue
		}
		p.merge(planGroup(byKey[k], groups[k], addrType, maxPer, meta))
		delete(byKey, k)
	}
	// Slices for port sets nobody has any more.
	for _, slices := range byKey {
		p.Delete = append(p.Delete, slices...)
	}
	return p
}

func (p *Plan) merge(o Plan) {
	p.Create = append(p.Create, o.Create...)
	p.Update = append(p.Update, o.Update...)
	p.Delete = append(p.Delete, o.Delete...)
}

func planGroup(slices []*discoveryv1.EndpointSlice, g *Group, addrType discoveryv1.AddressType,
	maxPer int, meta func(*discoveryv1.EndpointSlice) bool) Plan {
	want := map[string]discoveryv1.Endpoint{}
	for _, ep := range g.Endpoints {
		want[EndpointKey(ep)] = ep
	}
	placed := map[string]bool{}
	kept := make([][]discoveryv1.Endpoint, len(slices))
	for i, s := range slices {
		for _, ep := range s.Endpoints {
			k := EndpointKey(ep)
			if d, ok := want[k]; ok && !placed[k] && len(kept[i]) < maxPer {
				kept[i] = append(kept[i], d)
				placed[k] = true
			}
		}
	}
	var rest []discoveryv1.Endpoint
	for _, ep := range g.Endpoints {
		if !placed[EndpointKey(ep)] {
			rest = append(rest, ep)
		}
	}
	// New endpoints go first into slices that are being rewritten anyway
	// (lost an endpoint), then into other slices with room: fewer writes.
	for _, dirtyPass := range []bool{true, false} {
		for i, s := range slices {
			room := maxPer - len(kept[i])
			if room <= 0 || len(rest) == 0 || (len(kept[i]) != len(s.Endpoints)) != dirtyPass {
				continue
			}
			n := min(room, len(rest))
			kept[i] = append(kept[i], rest[:n]...)
			rest = rest[n:]
		}
	}
	var p Plan
	for i, s := range slices {
		if len(kept[i]) == 0 {
			p.Delete = append(p.Delete, s)
			continue
		}
		SortEndpoints(kept[i])
		c := s.DeepCopy()
		c.Endpoints = kept[i]
		c.Ports = g.Ports
		changed := meta(c)
		if changed || !apiequality.Semantic.DeepEqual(c.Endpoints, s.Endpoints) {
			p.Update = append(p.Update, c)
		}
	}
	for len(rest) > 0 {
		n := min(maxPer, len(rest))
		s := &discoveryv1.EndpointSlice{AddressType: addrType, Ports: g.Ports,
			Endpoints: append([]discoveryv1.Endpoint(nil), rest[:n]...)}
		meta(s)
		p.Create = append(p.Create, s)
		rest = rest[n:]
	}
	return p
}

// placeholderPlan keeps a single empty slice so consumers can tell "no
// endpoints" from "not processed yet".
func placeholderPlan(existing []*discoveryv1.EndpointSlice, addrType discoveryv1.AddressType, meta func(*discoveryv1.EndpointSlice) bool) Plan {
	var p Plan
	if len(existing) == 0 {
		s := &discoveryv1.EndpointSlice{AddressType: addrType}
		meta(s)
		p.Create = append(p.Create, s)
		return p
	}
	keep := 0
	for i, s := range existing {
		if len(s.Endpoints) == 0 && len(s.Ports) == 0 {
			keep = i
			break
		}
	}
	for i, s := range existing {
		if i != keep {
			p.Delete = append(p.Delete, s)
			continue
		}
		c := s.DeepCopy()
		c.Endpoints, c.Ports = nil, nil
		if meta(c) || len(s.Endpoints) > 0 || len(s.Ports) > 0 {
			p.Update = append(p.Update, c)
		}
	}
	return p
}
