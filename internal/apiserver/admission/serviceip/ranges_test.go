package serviceip

import "testing"

func TestNewRejectsBadRanges(t *testing.T) {
	ep := startEtcd(t)
	c := newClient(t, ep)
	cases := []struct{ cidr, ports string }{
		{"not-a-cidr", "30000-32767"},
		{"10.43.0.0", "30000-32767"},
		{"10.43.0.0/31", "30000-32767"}, // no room for a service
		{"fd00::/64", "30000-32767"},    // too large for this allocator
		{"10.43.0.0/16", "abc"},
		{"10.43.0.0/16", "32767-30000"},
		{"10.43.0.0/16", "0-100"},
		{"10.43.0.0/16", "30000-70000"},
	}
	for _, tc := range cases {
		if _, err := New(c, tc.cidr, tc.ports); err == nil {
			t.Errorf("New(%q, %q): want an error", tc.cidr, tc.ports)
		}
	}
	if _, err := New(nil, "10.43.0.0/16", "30000-32767"); err == nil {
		t.Error("New without a client: want an error")
	}
}

func TestIPRangeOffsets(t *testing.T) {
	cases := []struct {
		cidr, ip string
		off      uint64
		ok       bool
	}{
		{"10.43.0.0/16", "10.43.0.1", 0, true},
		{"10.43.0.0/16", "10.43.0.10", 9, true},
		{"10.43.0.0/16", "10.43.1.0", 255, true},
		{"10.43.0.0/16", "10.43.255.254", 65533, true},
		{"10.43.0.0/16", "10.43.255.255", 0, false}, // broadcast
		{"10.43.0.0/16", "10.43.0.0", 0, false},     // network
		{"10.43.0.0/16", "10.44.0.1", 0, false},
		{"10.43.0.0/16", "fd00::1", 0, false},
		{"10.43.0.0/16", "bogus", 0, false},
		{"fd00:43::/112", "fd00:43::1", 0, true},
		{"fd00:43::/112", "fd00:43::ffff", 65534, true}, // IPv6 has no broadcast
	}
	for _, tc := range cases {
		r, err := parseIPRange(tc.cidr)
		if err != nil {
			t.Fatalf("parse %s: %v", tc.cidr, err)
		}
		off, ok := r.offset(tc.ip)
		if ok != tc.ok || ok && off != tc.off {
			t.Errorf("%s in %s: got %d,%v want %d,%v", tc.ip, tc.cidr, off, ok, tc.off, tc.ok)
		}
		if ok {
			if back := r.addr(off).String(); back != tc.ip {
				t.Errorf("addr(%d) = %s, want %s", off, back, tc.ip)
			}
		}
	}
}
