package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/test/e2e/cluster"
)

// testUnschedulable: a pod no node can hold is reported FailedScheduling
// with the scheduler's per-node reasons, and is placed once a node that
// fits joins. Runs first, while exactly three nodes exist.
func (e *workloadEnv) testUnschedulable(t *testing.T) {
	const ns = "sched"
	e.namespace(t, ns)
	e.apply(t, ns, hungryPod("hungry", "32"))
	var msg string
	waitFor(t, 30*time.Second, "FailedScheduling event for hungry", func() (bool, string) {
		msg = e.eventMessage(t, ns, "hungry", "FailedScheduling")
		return msg != "", "no event"
	})
	if !strings.HasPrefix(msg, "0/3 nodes are available:") || !strings.Contains(msg, "Insufficient cpu") {
		t.Errorf("FailedScheduling message = %q, want it to start %q and mention Insufficient cpu", msg, "0/3 nodes are available:")
	}
	expectContains(t, e.k.ok(t, "describe", "pod", "-n", ns, "hungry"),
		"FailedScheduling", "0/3 nodes are available:", "Insufficient cpu")
	expectContains(t, e.k.ok(t, "get", "events", "-n", ns),
		"FailedScheduling", "0/3 nodes are available:", "Insufficient cpu")

	big := e.startAgent(t, 1, "big", "--cpu", "64")
	e.long(t, "wait", "-n", ns, "--for=condition=Ready", "pod/hungry", "--timeout=60s").OK(t)
	e.k.expectJSONPath(t, ns, "pod/hungry", "{.spec.nodeName}", big.NodeNames()[0])
	e.removeAgent(t, big)
}

// removeAgent kills an agent and deletes its nodes, so later sub-tests see
// the original three nodes again.
func (e *workloadEnv) removeAgent(t *testing.T, a *cluster.Agent) {
	t.Helper()
	a.Kill()
	e.k.ok(t, append([]string{"delete", "node"}, a.NodeNames()...)...)
}

// eventMessage returns the message of the newest event with reason about
// pod name, or "".
func (e *workloadEnv) eventMessage(t *testing.T, ns, name, reason string) string {
	t.Helper()
	l, err := e.cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatalf("listing events: %v", err)
	}
	msg := ""
	for _, ev := range l.Items {
		if ev.Reason == reason {
			msg = ev.Message
		}
	}
	return msg
}

// testDrain: cordoned nodes get no new pods; drain evicts a node's pods
// while a PodDisruptionBudget lets them go one at a time, and the
// Deployment recreates them elsewhere.
func (e *workloadEnv) testDrain(t *testing.T) {
	const ns = "drain"
	target, others := e.nodes[0], e.nodes[1:]
	e.namespace(t, ns)
	t.Cleanup(func() { e.k.run(t, append([]string{"uncordon"}, e.nodes...)...) })

	e.k.ok(t, append([]string{"cordon"}, others...)...)
	for _, n := range others {
		e.k.expectJSONPath(t, "", "node/"+n, "{.spec.unschedulable}", "true")
	}
	e.apply(t, ns, rollingDeployment("drainme", 3, "busybox:1.36"))
	e.rolloutStatus(t, ns, "deploy/drainme")
	e.waitServing(t, ns, "app=drainme", 3, 30*time.Second, onNode(target))
	e.k.ok(t, append([]string{"uncordon"}, others...)...)

	e.apply(t, ns, minAvailablePDB("drainme", 2))
	waitFor(t, 30*time.Second, "pdb allows one disruption", func() (bool, string) {
		out := e.k.jsonpath(t, ns, "pdb/drainme", "{.status.disruptionsAllowed}")
		return out == "1", out
	})
	rec := recordPods(t, e.cs, ns, "app=drainme")
	res := e.long(t, "drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout", "120s")
	res.OK(t)
	expectContains(t, res.Stdout, "node/"+target+" drained")
	// Three evictions at once against one allowed disruption: kubectl must
	// have been told to wait at least once.
	expectContains(t, res.Stderr, "disruption budget")
	e.waitServing(t, ns, "app=drainme", 3, 60*time.Second, notOnNode(target))
	rec.Stop()
	lowest := 1 << 30
	rec.replay(t, func(state map[string]*corev1.Pod, _ *podEvent) { lowest = min(lowest, countPods(state, serving)) })
	if lowest < 2 {
		t.Errorf("ready pods dropped to %d during the drain; the budget's minAvailable is 2", lowest)
	}
}

func onNode(node string) func(*corev1.Pod) string {
	return func(p *corev1.Pod) string {
		if p.Spec.NodeName != node {
			return fmt.Sprintf("on %q, want %s", p.Spec.NodeName, node)
		}
		return ""
	}
}

func notOnNode(node string) func(*corev1.Pod) string {
	return func(p *corev1.Pod) string {
		if p.Spec.NodeName == node {
			return "still on " + node
		}
		return ""
	}
}

// testNodeFailure: a node whose agent dies goes NotReady within the grace
// period, is tainted unreachable, and its pods (tolerating that for 2 s)
// are deleted and replaced on the other nodes.
func (e *workloadEnv) testNodeFailure(t *testing.T) {
	const ns = "nodefail"
	e.namespace(t, ns)
	lost := e.startAgent(t, 1, "lost")
	node := lost.NodeNames()[0]
	t.Cleanup(func() { e.k.run(t, append([]string{"uncordon"}, e.nodes...)...) })
	e.k.ok(t, append([]string{"cordon"}, e.nodes...)...)
	d := rollingDeployment("fragile", 2, "busybox:1.36")
	d.Spec.Template.Spec.Tolerations = shortUnreachableTolerations()
	e.apply(t, ns, d)
	e.rolloutStatus(t, ns, "deploy/fragile")
	e.waitServing(t, ns, "app=fragile", 2, 30*time.Second, onNode(node))
	e.k.ok(t, append([]string{"uncordon"}, e.nodes...)...)

	lost.Kill()
	waitFor(t, 45*time.Second, node+" NotReady", func() (bool, string) {
		row := rowFor(e.k.ok(t, "get", "node", node), 0, node)
		return len(row) > 1 && strings.HasPrefix(row[1], "NotReady"), strings.Join(row, " ")
	})
	e.k.expectJSONPath(t, "", "node/"+node, `{.status.conditions[?(@.type=="Ready")].status}`, "Unknown")
	waitFor(t, 30*time.Second, node+" tainted unreachable", func() (bool, string) {
		out := e.k.jsonpath(t, "", "node/"+node, "{.spec.taints[*].key}")
		return strings.Contains(out, "node.kubernetes.io/unreachable"), out
	})
	// The pods on the lost node are deleted (they stay Terminating: no
	// kubelet confirms) and replaced elsewhere.
	waitFor(t, 60*time.Second, "pods on "+node+" deleted and replaced", func() (bool, string) {
		pods := e.pods(t, ns, "app=fragile")
		live := 0
		for i := range pods {
			p := &pods[i]
			switch {
			case p.Spec.NodeName == node && p.DeletionTimestamp == nil:
				return false, describePods(pods)
			case p.Spec.NodeName != node && serving(p):
				live++
			}
		}
		return live == 2, describePods(pods)
	})
	e.k.ok(t, "delete", "node", node)
}
