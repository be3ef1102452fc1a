package e2e

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// testStatefulSet: OrderedReady creates web-0, web-1, web-2 one after the
// other (each only once the previous is Ready) and scales down in reverse,
// each only once the higher one is gone.
func (e *workloadEnv) testStatefulSet(t *testing.T) {
	const ns = "sts"
	e.namespace(t, ns)
	rec := recordPods(t, e.cs, ns, "app=web")
	e.apply(t, ns, headlessService("web"), orderedStatefulSet("web", 3))
	e.waitServing(t, ns, "app=web", 3, 60*time.Second, nil)
	if got := rec.namesInOrder(watch.Added); !slices.Equal(got, []string{"web-0", "web-1", "web-2"}) {
		t.Errorf("pods created in order %v, want [web-0 web-1 web-2]", got)
	}
	rec.replay(t, func(state map[string]*corev1.Pod, ev *podEvent) {
		if ev == nil || ev.Type != watch.Added {
			return
		}
		for _, p := range state {
			if ordinal(p.Name) < ordinal(ev.Pod.Name) && !serving(p) {
				t.Errorf("%s created while %s was not Ready", ev.Pod.Name, p.Name)
			}
		}
	})

	e.k.ok(t, "scale", "-n", ns, "sts", "web", "--replicas=0")
	waitFor(t, 60*time.Second, "statefulset scaled to 0", func() (bool, string) {
		pods := e.pods(t, ns, "app=web")
		return len(pods) == 0, describePods(pods)
	})
	rec.Stop()
	if got := rec.namesInOrder(watch.Deleted); !slices.Equal(got, []string{"web-2", "web-1", "web-0"}) {
		t.Errorf("pods deleted in order %v, want [web-2 web-1 web-0]", got)
	}
	checkTerminationOrder(t, rec)
}

// checkTerminationOrder: when a pod starts terminating, no pod with a
// higher ordinal still exists.
func checkTerminationOrder(t *testing.T, rec *podRecorder) {
	t.Helper()
	terminating := map[string]bool{}
	rec.replay(t, func(state map[string]*corev1.Pod, ev *podEvent) {
		if ev == nil || ev.Pod.DeletionTimestamp == nil || terminating[ev.Pod.Name] {
			return
		}
		terminating[ev.Pod.Name] = true
		for name := range state {
			if ordinal(name) > ordinal(ev.Pod.Name) {
				t.Errorf("%s started terminating while %s still existed", ev.Pod.Name, name)
			}
		}
	})
}

// ordinal is the number after the last dash of a StatefulSet pod name.
func ordinal(name string) int {
	n, err := strconv.Atoi(name[strings.LastIndex(name, "-")+1:])
	if err != nil {
		return -1
	}
	return n
}

// testDaemonSet: one pod per node, following nodes as they join and leave.
func (e *workloadEnv) testDaemonSet(t *testing.T) {
	const ns = "ds"
	e.namespace(t, ns)
	e.apply(t, ns, daemonSet("nodeagent"))
	e.waitDaemonPods(t, ns, e.nodes)

	extra := e.startAgent(t, 1, "dsextra")
	e.waitDaemonPods(t, ns, append(slices.Clone(e.nodes), extra.NodeNames()...))

	extra.Kill()
	e.k.ok(t, "delete", "node", extra.NodeNames()[0])
	e.waitDaemonPods(t, ns, e.nodes)
	waitFor(t, 30*time.Second, "daemonset status counts 3 nodes", func() (bool, string) {
		out := e.k.jsonpath(t, ns, "ds/nodeagent", "{.status.desiredNumberScheduled}/{.status.numberReady}")
		return out == "3/3", out
	})
}

// waitDaemonPods waits until the DaemonSet's live pods are exactly one
// per node of nodes, all Ready. Pods being deleted do not count: a pod on
// a removed node is deleted but no kubelet confirms it, so it stays
// Terminating until the pod garbage collector's quarantine ends.
func (e *workloadEnv) waitDaemonPods(t *testing.T, ns string, nodes []string) {
	t.Helper()
	want := slices.Clone(nodes)
	sort.Strings(want)
	waitFor(t, 60*time.Second, fmt.Sprintf("daemon pods on %v", want), func() (bool, string) {
		pods := e.pods(t, ns, "app=nodeagent")
		var got []string
		for i := range pods {
			switch p := &pods[i]; {
			case p.DeletionTimestamp != nil:
			case !podReady(p):
				return false, describePods(pods)
			default:
				got = append(got, p.Spec.NodeName)
			}
		}
		sort.Strings(got)
		return slices.Equal(got, want), describePods(pods)
	})
}
