package cluster

import (
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig loads the admin kubeconfig. Client-side rate limiting is
// lifted: tests drive load on purpose and the default 5 QPS would make
// them slow, not more correct.
func (s *Server) RESTConfig(t testing.TB) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig())
	if err != nil {
		t.Fatalf("loading %s: %v", s.Kubeconfig(), err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg
}

// Clientset is a typed client for the admin user.
func (s *Server) Clientset(t testing.TB) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(s.RESTConfig(t))
	if err != nil {
		t.Fatalf("building clientset: %v", err)
	}
	return cs
}
