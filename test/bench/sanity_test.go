package bench

import (
	"context"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHarness checks, quickly, what every benchmark relies on: the binary
// starts and becomes ready, client-go can write and read back through it,
// and its RSS can be read. It keeps the benchmarks from rotting unnoticed
// in plain `go test` runs.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server; skipped with -short")
	}
	s := startServer(t)
	cs := s.clientset(t)
	ns := newNamespace(t, cs, "sanity")
	ctx := context.Background()
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, configMap("one"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "one", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Data["key"] != "value" {
		t.Errorf("read back data %v, want key=value", got.Data)
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod("p", ghostNode), metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating a pod bound to a ghost node: %v", err)
	}
	if rss, err := rssMiB(s.pid()); err != nil || rss <= 0 {
		t.Errorf("server RSS = %v MiB, %v; want a positive reading", rss, err)
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	cases := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single", ms(7), 99, 7 * time.Millisecond},
		{"median of odd, unsorted", ms(5, 1, 3), 50, 3 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(4, 9, 2), 100, 9 * time.Millisecond},
		{"p0 is the min", ms(4, 9, 2), 0, 2 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := percentile(c.in, c.p); got != c.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", c.in, c.p, got, c.want)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestRSSOfOwnProcessGroup(t *testing.T) {
	rss, err := rssMiB(syscall.Getpgrp())
	if err != nil || rss <= 0 {
		t.Fatalf("rssMiB(own group) = %v, %v; want a positive reading", rss, err)
	}
	if _, err := rssMiB(1 << 30); err == nil {
		t.Errorf("rssMiB of a group that does not exist: want an error")
	}
}
