package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"rudder/internal/apiserver"
	"rudder/internal/apiserver/admission/pods"
	"rudder/internal/apiserver/admission/serviceip"
	"rudder/internal/apiserver/auth"
)

// admissionPlugins are the write-time plugins of this server, in order.
func (s *Server) admissionPlugins() ([]apiserver.Admission, error) {
	ips, err := serviceip.New(s.etcdClient, s.opts.ServiceCIDR, s.opts.ServiceNodePorts)
	if err != nil {
		return nil, fmt.Errorf("service IP allocator: %w", err)
	}
	s.serviceIPs = ips
	list := func(ctx context.Context, gvr schema.GroupVersionResource) ([]runtime.Object, error) {
		return s.API.ListObjects(ctx, gvr, "")
	}
	return []apiserver.Admission{
		pods.ServiceAccount{},
		pods.Priority{List: list},
		pods.DefaultTolerations{},
		ips,
	}, nil
}

// background is a context that ends at Close, for the server's own loops
// (made at the start of Start, before any goroutine).
func (s *Server) background() context.Context { return s.bgCtx }

// repairServiceIPs makes the persisted IP and port allocations match the
// Services that exist, now and every few minutes: a crash between
// reserving and writing leaks an entry, and this returns it.
func (s *Server) repairServiceIPs(ctx context.Context) {
	cfg, err := s.ClientConfig("system:apiserver", []string{auth.GroupMasters})
	if err != nil {
		slog.Error("service IP repair disabled", "err", err)
		return
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		slog.Error("service IP repair disabled", "err", err)
		return
	}
	t := time.NewTicker(3 * time.Minute)
	defer t.Stop()
	for {
		if list, err := client.CoreV1().Services("").List(ctx, metav1.ListOptions{}); err == nil {
			if err := s.serviceIPs.Repair(ctx, list.Items); err != nil {
				slog.Warn("service IP repair", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
