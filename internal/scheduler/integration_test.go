package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestBindsPodsToFittingNodes(t *testing.T) {
	ctx, c := startCluster(t)
	createNode(t, ctx, c, "small", "1", "2Gi")
	createNode(t, ctx, c, "big", "4", "8Gi", nodeLabels("disk", "ssd"))
	startScheduler(t, ctx, c)

	createPod(t, ctx, c, newPod("needs-2-cpu", "2", "1Gi"))
	createPod(t, ctx, c, newPod("wants-ssd", "100m", "", func(p *v1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }))
	createPod(t, ctx, c, newPod("other-scheduler", "100m", "", func(p *v1.Pod) { p.Spec.SchedulerName = "someone-else" }))

	for _, name := range []string{"needs-2-cpu", "wants-ssd"} {
		if node := waitBound(t, ctx, c, name); node != "big" {
			t.Errorf("%s bound to %s, want big", name, node)
		}
	}
	if msg := waitEvent(t, ctx, c, "needs-2-cpu", "Scheduled"); msg != "Successfully assigned default/needs-2-cpu to big" {
		t.Errorf("Scheduled event: %q", msg)
	}
	p, err := getPod(ctx, c, "other-scheduler")
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" || scheduledCondition(p) != nil && scheduledCondition(p).Reason == v1.PodReasonUnschedulable {
		t.Errorf("pod for another scheduler was touched: node=%q", p.Spec.NodeName)
	}
}

func TestUnschedulableReportsAndRecovers(t *testing.T) {
	ctx, c := startCluster(t)
	createNode(t, ctx, c, "worker", "1", "2Gi")
	for _, n := range []string{"cp-1", "cp-2"} {
		createNode(t, ctx, c, n, "8", "16Gi", nodeTaint("node-role.kubernetes.io/control-plane", "", v1.TaintEffectNoSchedule))
	}
	startScheduler(t, ctx, c)
	createPod(t, ctx, c, newPod("big", "2", ""))

	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if msg := waitEvent(t, ctx, c, "big", "FailedScheduling"); msg != want {
		t.Fatalf("FailedScheduling message:\n got %q\nwant %q", msg, want)
	}
	waitFor(t, 30*time.Second, "PodScheduled=False condition", func() (bool, error) {
		p, err := getPod(ctx, c, "big")
		if err != nil {
			return false, err
		}
		cond := scheduledCondition(p)
		return cond != nil && cond.Status == v1.ConditionFalse && cond.Reason == v1.PodReasonUnschedulable && cond.Message == want, nil
	})

	createNode(t, ctx, c, "new-worker", "4", "8Gi")
	if node := waitBound(t, ctx, c, "big"); node != "new-worker" {
		t.Fatalf("bound to %s, want new-worker", node)
	}
}

func TestTaintsAndTolerations(t *testing.T) {
	ctx, c := startCluster(t)
	createNode(t, ctx, c, "gpu", "4", "8Gi", nodeTaint("gpu", "true", v1.TaintEffectNoSchedule))
	createNode(t, ctx, c, "tiny", "100m", "128Mi")
	startScheduler(t, ctx, c)

	createPod(t, ctx, c, newPod("intolerant", "1", ""))
	createPod(t, ctx, c, newPod("tolerant", "1", "", func(p *v1.Pod) {
		p.Spec.Tolerations = []v1.Toleration{{Key: "gpu", Operator: v1.TolerationOpEqual, Value: "true", Effect: v1.TaintEffectNoSchedule}}
	}))
	if node := waitBound(t, ctx, c, "tolerant"); node != "gpu" {
		t.Fatalf("tolerant pod on %s, want gpu", node)
	}
	msg := waitEvent(t, ctx, c, "intolerant", "FailedScheduling")
	want := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}. " +
		"preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
	if msg != want {
		t.Fatalf("got %q\nwant %q", msg, want)
	}
}

func TestAntiAffinitySpreadsReplicas(t *testing.T) {
	ctx, c := startCluster(t)
	for i := range 3 {
		createNode(t, ctx, c, fmt.Sprintf("n%d", i), "4", "8Gi")
	}
	startScheduler(t, ctx, c)
	replica := func(name string) *v1.Pod {
		return newPod(name, "100m", "", func(p *v1.Pod) {
			p.Labels["app"] = "web"
			p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
					TopologyKey:   v1.LabelHostname,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				}}}}
		})
	}
	seen := map[string]string{}
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		createPod(t, ctx, c, replica(name))
	}
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		node := waitBound(t, ctx, c, name)
		if other, dup := seen[node]; dup {
			t.Fatalf("%s and %s share node %s", name, other, node)
		}
		seen[node] = name
	}
	createPod(t, ctx, c, replica("web-3"))
	msg := waitEvent(t, ctx, c, "web-3", "FailedScheduling")
	if !hasPrefix(msg, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.") {
		t.Fatalf("fourth replica: %q", msg)
	}
}

func TestPreemptionEvictsLowerPriorityPod(t *testing.T) {
	ctx, c := startCluster(t)
	for name, value := range map[string]int32{"low": 10, "high": 1000} {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
		if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	createNode(t, ctx, c, "only", "1", "2Gi")
	startScheduler(t, ctx, c)

	createPod(t, ctx, c, newPod("victim", "800m", "", func(p *v1.Pod) { p.Spec.PriorityClassName = "low" }))
	waitBound(t, ctx, c, "victim")
	createPod(t, ctx, c, newPod("preemptor", "800m", "", func(p *v1.Pod) { p.Spec.PriorityClassName = "high" }))

	waitFor(t, 30*time.Second, "preemptor nominated and victim terminating", func() (bool, error) {
		pre, err := getPod(ctx, c, "preemptor")
		if err != nil {
			return false, err
		}
		vic, err := getPod(ctx, c, "victim")
		if err != nil {
			return false, err
		}
		return pre.Status.NominatedNodeName == "only" && vic.DeletionTimestamp != nil, nil
	})
	if pre, _ := getPod(ctx, c, "preemptor"); pre.Spec.NodeName != "" {
		t.Fatal("preemptor bound while the victim still holds the node")
	}
	// Play the kubelet: finish the victim's graceful deletion.
	zero := int64(0)
	if err := c.CoreV1().Pods("default").Delete(ctx, "victim", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if node := waitBound(t, ctx, c, "preemptor"); node != "only" {
		t.Fatalf("preemptor on %s", node)
	}
}

func TestManyPodsNoOvercommit(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	ctx, c := startCluster(t)
	const nodes, pods = 50, 500
	for i := range nodes {
		createNode(t, ctx, c, fmt.Sprintf("node-%02d", i), "4", "8Gi")
	}
	startScheduler(t, ctx, c)
	createPodsParallel(t, ctx, c, pods, func(i int) *v1.Pod {
		return newPod(fmt.Sprintf("p-%03d", i), "300m", "500Mi")
	})
	waitFor(t, 120*time.Second, "all pods bound", func() (bool, error) {
		list, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		bound := 0
		for _, p := range list.Items {
			if p.Spec.NodeName != "" {
				bound++
			}
		}
		return bound == pods, fmt.Errorf("%d/%d bound", bound, pods)
	})
	list, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cpu := map[string]*resource.Quantity{}
	for _, p := range list.Items {
		if cpu[p.Spec.NodeName] == nil {
			cpu[p.Spec.NodeName] = resource.NewMilliQuantity(0, resource.DecimalSI)
		}
		cpu[p.Spec.NodeName].Add(p.Spec.Containers[0].Resources.Requests[v1.ResourceCPU])
	}
	limit := resource.MustParse("4")
	for node, q := range cpu {
		if q.Cmp(limit) > 0 {
			t.Errorf("node %s overcommitted: %s cpu requested", node, q.String())
		}
	}
}

func createPodsParallel(t *testing.T, ctx context.Context, c kubernetes.Interface, n int, mk func(int) *v1.Pod) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := c.CoreV1().Pods("default").Create(ctx, mk(i), metav1.CreateOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("create pod: %v", err)
	}
}
