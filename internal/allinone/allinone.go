// Package allinone composes `rudder server`: the API server (internal/server)
// plus, unless disabled, the scheduler, the controller manager and a node
// agent in the same process, so one command gives a working cluster.
//
// It is separate from internal/server so that component packages can test
// against a bare in-process API server without importing themselves.
package allinone

import (
	"context"

	"rudder/internal/server"
)

// Cluster is a running all-in-one control plane (and node).
type Cluster struct {
	*server.Server
	cancel context.CancelFunc
}

// Start brings up the API server, then the components its options enable.
func Start(ctx context.Context, opts server.Options) (*Cluster, error) {
	s, err := server.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{Server: s, cancel: cancel}
	if !opts.DisableControllers {
		if err := startControllers(cctx, s); err != nil {
			c.Close()
			return nil, err
		}
	}
	if !opts.DisableAgent {
		if err := startLocalAgent(cctx, s); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close stops the components first (their watches end), then the server.
func (c *Cluster) Close() {
	c.cancel()
	c.Server.Close()
}
