package server

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"rudder/internal/apiserver/auth"
	"rudder/internal/controller/namespace"
)

// clientConfig is a loopback client identity for an in-process component;
// components reach the API server like any other client.
func (s *Server) clientConfig(user string, groups []string) (*rest.Config, error) {
	cert, key, err := s.CA.IssueClient(user, groups, 365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("client identity for %s: %w", user, err)
	}
	return &rest.Config{
		Host:            s.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CA.CertPEM, CertData: cert, KeyData: key},
		QPS:             1000,
		Burst:           2000,
		UserAgent:       user,
	}, nil
}

// startControllers runs the controllers of this control plane until ctx
// ends.
func (s *Server) startControllers(ctx context.Context) error {
	cfg, err := s.clientConfig("system:kube-controller-manager", []string{auth.GroupMasters})
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controller client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controller metadata client: %w", err)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	ns := namespace.New(client, meta, factory)
	factory.Start(ctx.Done())
	go ns.Run(ctx, 2)
	return nil
}
