package agent

import (
	"context"
	"fmt"
	"os"
	"strings"

	"rudder/internal/agent/join"
)

// defaultAgentDataDir keeps a joined node's credentials when
// RealOptions.DataDir is not set.
const defaultAgentDataDir = "/var/lib/rudder/agent"

// joinIfAsked turns --server/--token into a node kubeconfig (see
// internal/agent/join) and points o.Kubeconfig at it.
func joinIfAsked(ctx context.Context, o *Options) error {
	if o.Kubeconfig != "" || o.Server == "" || o.Token == "" {
		return nil
	}
	dir := o.Real.DataDir
	if dir == "" {
		dir = defaultAgentDataDir
	}
	node, err := joinNodeName(*o)
	if err != nil {
		return err
	}
	kubeconfig, err := join.Run(ctx, o.Server, o.Token, dir, node)
	if err != nil {
		return fmt.Errorf("joining %s: %w", o.Server, err)
	}
	o.Kubeconfig = kubeconfig
	return nil
}

// joinNodeName is the identity the node asks for: the real node's name, or
// the first simulated node's.
func joinNodeName(o Options) (string, error) {
	if o.Runtime != "cri" {
		return fmt.Sprintf("%s-%d", o.NodeNamePrefix, 0), nil
	}
	if o.Real.NodeName != "" {
		return o.Real.NodeName, nil
	}
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("node name: %w", err)
	}
	return strings.ToLower(h), nil
}
