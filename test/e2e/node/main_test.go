// Package node holds the end-to-end acceptance of real nodes: `rudder
// server` with its own agent running real containers through containerd,
// a second node joining from a network namespace, and an agent surviving
// its own and containerd's death. Every test removes what the nodes left
// on the machine (containers, containerd, mounts, bridges, nft tables,
// routes, network namespaces) whether it passed or not.
package node

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/test/e2e/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// Addresses of the veth pair to the second node's network namespace: a /30
// outside the cluster (10.42/16) and service (10.43/16) ranges.
const (
	hostVethIP = "10.99.0.1"
	nodeVethIP = "10.99.0.2"
)

// TestAllInOneNode runs the single-node cluster of `rudder server` (its
// own agent on containerd) through the pod lifecycle, probes, resources,
// streams and volumes, then joins a second node from a network namespace.
// One server for all: only one such node can run on a machine at a time.
func TestAllInOneNode(t *testing.T) {
	requireNodeHost(t)
	// The second node reaches the server over the veth pair, so the pair
	// exists before the server, which puts its address in its certificate.
	netns := cluster.NewNetNS(t, hostVethIP, nodeVethIP)
	s := cluster.Start(t, cluster.WithAgent(),
		cluster.WithArgs("--bind-address", "0.0.0.0", "--advertise-address", hostVethIP))
	node1 := waitOneNodeReady(t, s)

	t.Run("single node", func(t *testing.T) {
		t.Run("web", func(t *testing.T) { t.Parallel(); testWeb(t, s) })
		t.Run("crash loop back-off", func(t *testing.T) { t.Parallel(); testCrashLoop(t, s) })
		t.Run("liveness probe restarts", func(t *testing.T) { t.Parallel(); testLiveness(t, s) })
		t.Run("readiness probe keeps pod unready", func(t *testing.T) { t.Parallel(); testReadiness(t, s) })
		t.Run("memory limit OOMKilled", func(t *testing.T) { t.Parallel(); testOOMKilled(t, s) })
		t.Run("logs", func(t *testing.T) { t.Parallel(); testLogs(t, s) })
		t.Run("configmap volume updates", func(t *testing.T) { t.Parallel(); testConfigMapUpdate(t, s) })
		t.Run("preStop and grace period", func(t *testing.T) { t.Parallel(); testPreStopAndGrace(t, s) })
	})
	// After the parallel group: pods of other tests must not land on the
	// second node.
	t.Run("second node", func(t *testing.T) { testSecondNode(t, s, netns, node1) })
}

// waitOneNodeReady waits until the server's own node is registered and
// Ready, and returns its name.
func waitOneNodeReady(t *testing.T, s *cluster.Server) string {
	t.Helper()
	cs := s.Clientset(t)
	var name string
	eventually(t, 60*time.Second, "the server's own node Ready", func() error {
		nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, n := range nodes.Items {
			if nodeIsReady(&n) {
				name = n.Name
				return nil
			}
		}
		return fmt.Errorf("no Ready node among %d registered", len(nodes.Items))
	})
	return name
}

func nodeIsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
