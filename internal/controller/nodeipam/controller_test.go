package nodeipam

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/testenv"
)

func TestNodesGetDistinctPodCIDRs(t *testing.T) {
	env := testenv.Start(t, "node-ipam-controller")
	// A node that already holds the first subnet before the controller
	// starts: its subnet must not be handed out again.
	pre := testenv.Node("pre", true)
	pre.Spec.PodCIDR, pre.Spec.PodCIDRs = "10.42.0.0/24", []string{"10.42.0.0/24"}
	testenv.CreateNode(t, env.Client, pre)

	c, err := New(env.Client, env.Factory, env.Recorder, Options{})
	if err != nil {
		t.Fatal(err)
	}
	env.StartFactory()
	go c.Run(env.Ctx, 2)
	for _, n := range []string{"a", "b", "c"} {
		testenv.CreateNode(t, env.Client, testenv.Node(n, true))
	}
	testenv.Eventually(t, 20*time.Second, "every node has a distinct pod CIDR", func(ctx context.Context) (bool, error) {
		l, err := env.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		seen := map[string]string{}
		for _, n := range l.Items {
			if n.Spec.PodCIDR == "" || len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
				return false, nil
			}
			if other, dup := seen[n.Spec.PodCIDR]; dup {
				t.Fatalf("nodes %s and %s share %s", other, n.Name, n.Spec.PodCIDR)
			}
			seen[n.Spec.PodCIDR] = n.Name
		}
		return len(seen) == 4 && seen["10.42.0.0/24"] == "pre", nil
	})
}
