package fake

import (
	"fmt"
	"net/netip"
)

// ipPool hands out host addresses of a CIDR, skipping the network address
// and the first host (the bridge gateway on a real node).
type ipPool struct {
	prefix netip.Prefix
	used   map[netip.Addr]bool
	next   netip.Addr
}

func newIPPool(cidr string) (*ipPool, error) {
	if cidr == "" {
		return &ipPool{}, nil
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("fake runtime pod CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	if p.Bits() > p.Addr().BitLen()-2 {
		return nil, fmt.Errorf("fake runtime pod CIDR %q is too small", cidr)
	}
	return &ipPool{prefix: p, used: map[netip.Addr]bool{}, next: first(p)}, nil
}

func first(p netip.Prefix) netip.Addr { return p.Addr().Next().Next() }

// allocate returns a free address, or "" when the pool is empty or
// exhausted (a sandbox then has no IP, as with a broken CNI).
func (p *ipPool) allocate() (string, error) {
	if !p.prefix.IsValid() {
		return "", nil
	}
	start := p.next
	for {
		a := p.next
		p.next = p.next.Next()
		if !p.prefix.Contains(p.next) || isBroadcast(p.prefix, p.next) {
			p.next = first(p.prefix)
		}
		if !p.used[a] {
			p.used[a] = true
			return a.String(), nil
		}
		if p.next == start {
			return "", fmt.Errorf("pod CIDR %s is exhausted", p.prefix)
		}
	}
}

func (p *ipPool) release(ip string) {
	a, err := netip.ParseAddr(ip)
	if err == nil {
		delete(p.used, a)
	}
}

// isBroadcast reports whether a is the last address of an IPv4 prefix.
func isBroadcast(p netip.Prefix, a netip.Addr) bool {
	return a.Is4() && !p.Contains(a.Next())
}

func (p *ipPool) markUsed(ip string) {
	a, err := netip.ParseAddr(ip)
	if err == nil && p.prefix.Contains(a) {
		p.used[a] = true
	}
}
