package nodeipam

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrFull means every subnet of the cluster CIDR is in use.
var ErrFull = errors.New("no pod CIDR left in the cluster CIDR")

// Allocator hands out the node-sized subnets of an IPv4 cluster CIDR and
// remembers which node holds which, so no subnet is ever given twice.
type Allocator struct {
	mu     sync.Mutex
	base   uint32
	shift  uint // bits between the subnet size and the address size
	count  int
	mask   int
	used   map[int]string // subnet index -> node
	byNode map[string]int
	next   int
}

// NewAllocator splits cidr into /maskSize subnets.
func NewAllocator(cidr string, maskSize int) (*Allocator, error) {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("cluster CIDR %q: %w", cidr, err)
	}
	ip4 := ipnet.IP.To4()
	if ip4 == nil {
		return nil, fmt.Errorf("cluster CIDR %q: only IPv4 is supported", cidr)
	}
	ones, _ := ipnet.Mask.Size()
	if maskSize < ones || maskSize > 30 {
		return nil, fmt.Errorf("node mask /%d does not fit in cluster CIDR %s", maskSize, cidr)
	}
	if maskSize-ones > 24 {
		return nil, fmt.Errorf("node mask /%d gives too many subnets in %s", maskSize, cidr)
	}
	return &Allocator{
		base: binary.BigEndian.Uint32(ip4), shift: uint(32 - maskSize), count: 1 << (maskSize - ones),
		mask: maskSize, used: map[int]string{}, byNode: map[string]int{},
	}, nil
}

func (a *Allocator) cidrOf(i int) string {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, a.base+uint32(i)<<a.shift)
	return fmt.Sprintf("%s/%d", ip, a.mask)
}

// indexOf returns the subnet index of cidr, or false when cidr is not one
// of this allocator's subnets.
func (a *Allocator) indexOf(cidr string) (int, bool) {
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil || ip.To4() == nil {
		return 0, false
	}
	if ones, _ := ipnet.Mask.Size(); ones != a.mask {
		return 0, false
	}
	off := binary.BigEndian.Uint32(ipnet.IP.To4()) - a.base
	i := int(off >> a.shift)
	if binary.BigEndian.Uint32(ipnet.IP.To4()) < a.base || i >= a.count {
		return 0, false
	}
	return i, true
}

// Occupy records that node already holds cidr (rebuilding state from the
// nodes at start). It fails if another node holds it.
func (a *Allocator) Occupy(node, cidr string) error {
	i, ok := a.indexOf(cidr)
	if !ok {
		return fmt.Errorf("%s is not a /%d of the cluster CIDR", cidr, a.mask)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if owner, taken := a.used[i]; taken && owner != node {
		return fmt.Errorf("%s of node %s is already held by node %s", cidr, node, owner)
	}
	a.used[i], a.byNode[node] = node, i
	return nil
}

// Allocate returns node's subnet, picking a free one if it has none yet.
func (a *Allocator) Allocate(node string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i, ok := a.byNode[node]; ok {
		return a.cidrOf(i), nil
	}
	for n := 0; n < a.count; n++ {
		i := (a.next + n) % a.count
		if _, taken := a.used[i]; taken {
			continue
		}
		a.used[i], a.byNode[node] = node, i
		a.next = (i + 1) % a.count
		return a.cidrOf(i), nil
	}
	return "", ErrFull
}

// Release frees node's subnet.
func (a *Allocator) Release(node string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i, ok := a.byNode[node]; ok {
		delete(a.used, i)
		delete(a.byNode, node)
	}
}
