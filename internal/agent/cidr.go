package agent

import (
	"fmt"
	"math/big"
	"net/netip"
)

// nthSubnet returns the i-th subnet of size bits inside base
// (10.42.0.0/16, 24, 3 → 10.42.3.0/24).
func nthSubnet(base string, bits, i int) (string, error) {
	p, err := netip.ParsePrefix(base)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", base, err)
	}
	p = p.Masked()
	if bits < p.Bits() || bits > p.Addr().BitLen() {
		return "", fmt.Errorf("/%d subnets do not fit in %s", bits, p)
	}
	if n := bits - p.Bits(); n < 62 && i >= 1<<n {
		return "", fmt.Errorf("%s has only %d /%d subnets, node %d needs more: use a larger base", p, 1<<n, bits, i)
	}
	step := new(big.Int).Lsh(big.NewInt(int64(i)), uint(p.Addr().BitLen()-bits))
	a, err := addOffset(p.Addr(), step)
	if err != nil {
		return "", err
	}
	return netip.PrefixFrom(a, bits).String(), nil
}

// nthAddress returns the i-th address inside base.
func nthAddress(base string, i int) (string, error) {
	p, err := netip.ParsePrefix(base)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", base, err)
	}
	a, err := addOffset(p.Masked().Addr(), big.NewInt(int64(i)))
	if err != nil {
		return "", err
	}
	if !p.Contains(a) {
		return "", fmt.Errorf("%s has no address number %d", p, i)
	}
	return a.String(), nil
}

func addOffset(a netip.Addr, off *big.Int) (netip.Addr, error) {
	n := new(big.Int).SetBytes(a.AsSlice())
	n.Add(n, off)
	b := n.Bytes()
	size := len(a.AsSlice())
	if len(b) > size {
		return netip.Addr{}, fmt.Errorf("address overflow past %s", a)
	}
	buf := make([]byte, size)
	copy(buf[size-len(b):], b)
	out, _ := netip.AddrFromSlice(buf)
	return out, nil
}
