package cni

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// routeProto marks the routes this package installs (an otherwise unused
// routing protocol number), so a sync can find and delete stale ones after
// an agent restart without remembering them.
const routeProto = 82

// Route sends one other node's pod range to that node.
type Route struct {
	PodCIDR string // e.g. 10.42.7.0/24
	NodeIP  string // the node's InternalIP, reachable from here
}

// SyncRoutes makes the host routes to other nodes' pod CIDRs exactly
// nodes: missing ones are added, changed ones replaced, and routes this
// package added earlier that are no longer wanted are deleted. The node's
// own pod CIDR is skipped (the bridge serves it).
func (n *Network) SyncRoutes(ctx context.Context, nodes []Route) error {
	want, err := n.wantedRoutes(nodes)
	if err != nil {
		return err
	}
	have, err := n.ownRoutes(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for dst, via := range want {
		if have[dst] == via {
			continue
		}
		if _, err := n.run(ctx, nil, "ip", "route", "replace", dst, "via", via, "proto", strconv.Itoa(routeProto)); err != nil {
			errs = append(errs, fmt.Errorf("route %s via %s: %w", dst, via, err))
		}
	}
	for dst := range have {
		if _, ok := want[dst]; ok {
			continue
		}
		if _, err := n.run(ctx, nil, "ip", "route", "del", dst, "proto", strconv.Itoa(routeProto)); err != nil {
			errs = append(errs, fmt.Errorf("delete route %s: %w", dst, err))
		}
	}
	return errors.Join(errs...)
}

func (n *Network) wantedRoutes(nodes []Route) (map[string]string, error) {
	own, _ := netip.ParsePrefix(n.opts.PodCIDR)
	want := map[string]string{}
	for _, r := range nodes {
		dst, err := netip.ParsePrefix(r.PodCIDR)
		if err != nil || !dst.Addr().Is4() {
			return nil, fmt.Errorf("route: pod CIDR %q: want an IPv4 prefix", r.PodCIDR)
		}
		via, err := netip.ParseAddr(r.NodeIP)
		if err != nil || !via.Is4() {
			return nil, fmt.Errorf("route to %s: node IP %q: want an IPv4 address", r.PodCIDR, r.NodeIP)
		}
		if dst.Masked() == own.Masked() {
			continue
		}
		want[dst.Masked().String()] = via.String()
	}
	return want, nil
}

// ownRoutes lists the routes carrying routeProto: destination → gateway.
func (n *Network) ownRoutes(ctx context.Context) (map[string]string, error) {
	out, err := n.run(ctx, nil, "ip", "-j", "-4", "route", "show", "proto", strconv.Itoa(routeProto))
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	var routes []struct {
		Dst     string `json:"dst"`
		Gateway string `json:"gateway"`
	}
	if err := json.Unmarshal(out, &routes); err != nil {
		return nil, fmt.Errorf("parse routes: %w", err)
	}
	have := map[string]string{}
	for _, r := range routes {
		have[r.Dst] = r.Gateway
	}
	return have, nil
}
