package nodeipam

import (
	"errors"
	"testing"
)

func TestAllocator(t *testing.T) {
	a, err := NewAllocator("10.42.0.0/16", 24)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Occupy("old", "10.42.0.0/24"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		node, want string
	}{
		{"n1", "10.42.1.0/24"},
		{"n2", "10.42.2.0/24"},
		{"n1", "10.42.1.0/24"}, // asking again gives the same subnet
		{"old", "10.42.0.0/24"},
	}
	for _, s := range steps {
		got, err := a.Allocate(s.node)
		if err != nil || got != s.want {
			t.Fatalf("Allocate(%s) = %s, %v; want %s", s.node, got, err, s.want)
		}
	}
	if err := a.Occupy("other", "10.42.1.0/24"); err == nil {
		t.Fatal("occupying n1's subnet for another node succeeded")
	}
	a.Release("n1")
	if err := a.Occupy("other", "10.42.1.0/24"); err != nil {
		t.Fatalf("released subnet not reusable: %v", err)
	}
}

func TestAllocatorFullAndBounds(t *testing.T) {
	a, err := NewAllocator("10.0.0.0/30", 30)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Allocate("a"); err != nil || got != "10.0.0.0/30" {
		t.Fatalf("got %s %v", got, err)
	}
	if _, err := a.Allocate("b"); !errors.Is(err, ErrFull) {
		t.Fatalf("want ErrFull, got %v", err)
	}
	bad := []struct {
		cidr string
		mask int
	}{{"10.42.0.0/16", 8}, {"nonsense", 24}, {"fd00::/48", 64}}
	for _, b := range bad {
		if _, err := NewAllocator(b.cidr, b.mask); err == nil {
			t.Errorf("NewAllocator(%s, %d) accepted", b.cidr, b.mask)
		}
	}
	c, _ := NewAllocator("10.42.0.0/16", 24)
	for _, cidr := range []string{"10.43.0.0/24", "10.42.0.0/25", "10.41.255.0/24"} {
		if err := c.Occupy("x", cidr); err == nil {
			t.Errorf("Occupy(%s) accepted", cidr)
		}
	}
}
