package serviceip

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ipRange is the usable part of the service CIDR. Offsets count from the
// first usable address: the network address is never handed out, nor is
// the broadcast address of an IPv4 range (as in Kubernetes).
type ipRange struct {
	cidr netip.Prefix
	base netip.Addr // first usable address, offset 0
	size uint64     // number of usable addresses
}

// maxHostBits bounds the range so that offsets fit in 64 bits with room
// to spare; Kubernetes allows far smaller IPv6 service ranges anyway.
const maxHostBits = 32

func parseIPRange(cidr string) (*ipRange, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return nil, fmt.Errorf("service CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	if hostBits < 2 || hostBits > maxHostBits {
		return nil, fmt.Errorf("service CIDR %s: must have between 2 and %d host bits, has %d", p, maxHostBits, hostBits)
	}
	total := uint64(1) << hostBits
	size := total - 1 // no network address
	if p.Addr().Is4() {
		size-- // no broadcast address
	}
	return &ipRange{cidr: p, base: p.Addr().Next(), size: size}, nil
}

// total is the number of addresses in the CIDR, usable or not.
func (r *ipRange) total() uint64 {
	return uint64(1) << (r.cidr.Addr().BitLen() - r.cidr.Bits())
}

func (r *ipRange) addr(off uint64) netip.Addr {
	a := r.base.As16()
	lo := binary.BigEndian.Uint64(a[8:]) + off // host bits <= 32: no carry out
	binary.BigEndian.PutUint64(a[8:], lo)
	out := netip.AddrFrom16(a)
	if r.base.Is4() {
		out = out.Unmap()
	}
	return out
}

// offset is the offset of an address given as text; false when the text
// is no address or the address is outside the usable range.
func (r *ipRange) offset(s string) (uint64, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || !r.cidr.Contains(a) {
		return 0, false
	}
	a16, b16 := a.As16(), r.base.As16()
	lo, base := binary.BigEndian.Uint64(a16[8:]), binary.BigEndian.Uint64(b16[8:])
	if lo < base || lo-base >= r.size {
		return 0, false
	}
	return lo - base, true
}

// portRange is the NodePort range, both ends included.
type portRange struct {
	lo, hi int
}

// parsePortRange reads "30000-32767" (or a single port), the format of
// Kubernetes' --service-node-port-range.
func parsePortRange(s string) (portRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	l, err1 := strconv.Atoi(strings.TrimSpace(lo))
	h, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return portRange{}, fmt.Errorf("node port range %q: want FROM-TO, e.g. 30000-32767", s)
	}
	if l < 1 || h > 65535 || l > h {
		return portRange{}, fmt.Errorf("node port range %q: ports must satisfy 1 <= FROM <= TO <= 65535", s)
	}
	return portRange{lo: l, hi: h}, nil
}

func (r portRange) size() uint64 { return uint64(r.hi - r.lo + 1) }

func (r portRange) String() string { return fmt.Sprintf("%d-%d", r.lo, r.hi) }

func (r portRange) offset(port int32) (uint64, bool) {
	p := int(port)
	if p < r.lo || p > r.hi {
		return 0, false
	}
	return uint64(p - r.lo), true
}

// staticBand is the size of the lower part of a range that Kubernetes
// keeps for addresses or ports asked for by number (KEP-3070, KEP-3668):
// total/step, at least lowest and at most highest, never more than size.
func staticBand(total, size, step, lowest, highest uint64) uint64 {
	band := min(max(total/step, lowest), highest)
	return min(band, size)
}
