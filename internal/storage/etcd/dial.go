package etcd

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const dialTimeout = 10 * time.Second

// Dial connects to an external etcd cluster and checks that it answers.
// tlsCfg may be nil for plain http endpoints. ctx bounds only the dial and
// the check, not the client's life: Close the client when done.
func Dial(ctx context.Context, endpoints []string, tlsCfg *tls.Config) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("dial etcd: no endpoints")
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		TLS:                  tlsCfg,
		DialTimeout:          dialTimeout,
		DialKeepAliveTime:    30 * time.Second,
		DialKeepAliveTimeout: 10 * time.Second,
		PermitWithoutStream:  true,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("dial etcd %v: %w", endpoints, err)
	}
	cctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	// Any read proves a quorum answers; a missing key is cheap.
	if _, err := c.Get(cctx, "/registry/health-check"); err != nil {
		c.Close()
		return nil, fmt.Errorf("etcd %v not answering: %w", endpoints, err)
	}
	return c, nil
}
