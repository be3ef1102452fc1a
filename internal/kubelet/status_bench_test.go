package kubelet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/prober"
	"rudder/internal/kubelet/runtime/fake"
)

// benchPod is a pod of a Deployment as the API server hands it to the
// kubelet right after scheduling: Pending, scheduled, nothing running.
func benchPod(i int) *corev1.Pod {
	ctrl := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("web-7d4b9c6f5-%05d", i), Namespace: "default", UID: types.UID(fmt.Sprintf("0f3c2a1e-5b6d-4e7f-8a9b-%012d", i)),
			ResourceVersion: "1000", Labels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c6f5"},
			OwnerReferences:   []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d4b9c6f5", UID: "rs-uid", Controller: &ctrl}},
			CreationTimestamp: metav1.NewTime(t0),
		},
		Spec: corev1.PodSpec{
			NodeName: "node-0", RestartPolicy: corev1.RestartPolicyAlways,
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.local/web:1.0",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
			}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}},
		},
	}
}

// benchKubelet is a kubelet with just what status computation needs.
func benchKubelet(rt *fake.Runtime) *Kubelet {
	return &Kubelet{
		cfg: Config{Prober: prober.Default{}, Clock: clock.RealClock{},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.0.10"}}},
		rt: rt, runtimeName: fake.RuntimeName,
		status: newStatusManager(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))),
	}
}

// runningStatus is the status the kubelet computes once the pod's
// container runs.
func runningStatus(k *Kubelet, pod *corev1.Pod) corev1.PodStatus {
	return k.computeStatus(pod, view(run("app", 0)), nil, false)
}

// BenchmarkStatusPatch is the pods/status patch of a pod's first report
// (Pending to Running), the one every pod makes.
func BenchmarkStatusPatch(b *testing.B) {
	k, pod := benchKubelet(nil), benchPod(0)
	st := runningStatus(k, pod)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := statusPatch(pod, &st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusManagerSet is a sync that computed the same status as
// the last one, which the API pod shows: the common case, which must only
// detect that nothing changed.
func BenchmarkStatusManagerSet(b *testing.B) {
	k, pod := benchKubelet(nil), benchPod(0)
	st := runningStatus(k, pod)
	pod.Status = *st.DeepCopy()
	k.status.set(pod, st)
	// Distinct copies, as each sync computes its own status.
	copies := make([]corev1.PodStatus, 64)
	for i := range copies {
		copies[i] = *st.DeepCopy()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k.status.set(pod, copies[i%len(copies)])
		i++
	}
}

// BenchmarkComputeStatus computes a running pod's status with an earlier
// status recorded (as on every sync after the first).
func BenchmarkComputeStatus(b *testing.B) {
	k, pod := benchKubelet(nil), benchPod(0)
	k.status.set(pod, runningStatus(k, pod))
	rt := view(run("app", 0))
	b.ReportAllocs()
	for b.Loop() {
		k.computeStatus(pod, rt, nil, false)
	}
}

// BenchmarkInspectPod reads one pod's sandbox and container from a fake
// runtime that runs 30 pods (a simulated node of the scale benchmark).
func BenchmarkInspectPod(b *testing.B) {
	rt, err := fake.New("10.42.0.0/24")
	if err != nil {
		b.Fatal(err)
	}
	k := benchKubelet(rt)
	ctx := context.Background()
	for i := range 30 {
		pod := benchPod(i)
		sb, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: k.sandboxConfig(pod, 0)})
		if err != nil {
			b.Fatal(err)
		}
		c, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "app"}, Image: &runtimeapi.ImageSpec{Image: "img"},
			Labels: map[string]string{labelPodUID: string(pod.UID), labelContainerName: "app"},
		}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
			b.Fatal(err)
		}
	}
	uid := benchPod(7).UID
	b.ReportAllocs()
	for b.Loop() {
		p, err := k.inspectPod(ctx, uid)
		if err != nil || p.latest("app") == nil {
			b.Fatalf("inspect: %v %+v", err, p)
		}
	}
}

// BenchmarkSyncRunningPod is a sync of a pod whose container runs and
// whose status was reported: what most syncs are (relist and informer
// wakes, periodic resyncs). A simulated node: fake runtime, no files.
func BenchmarkSyncRunningPod(b *testing.B) {
	rt, err := fake.New("10.42.0.0/24")
	if err != nil {
		b.Fatal(err)
	}
	k, err := New(Config{
		NodeName: "node-0", Client: clientfake.NewClientset(), Runtime: rt, Prober: prober.Default{},
		Recorder: &record.FakeRecorder{}, ResolvConf: "-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.0.10"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	k.runtimeName = fake.RuntimeName
	ctx := context.Background()
	pod := benchPod(0)
	sync := func() {
		p, err := k.inspectPod(ctx, pod.UID)
		if err != nil {
			b.Fatal(err)
		}
		k.runPod(ctx, pod, p)
	}
	sync()                                                    // creates the sandbox and starts the container
	pod.Status = *k.status.entries[pod.UID].status.DeepCopy() // as the informer shows it once written
	sync()
	if p, _ := k.inspectPod(ctx, pod.UID); p.latest("app") == nil || !p.latest("app").running() {
		b.Fatal("container not running")
	}
	b.ReportAllocs()
	for b.Loop() {
		sync()
	}
}
