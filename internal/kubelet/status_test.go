package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/prober"
)

var t0 = time.Unix(1700000000, 0)

func run(name string, attempt uint32) *containerInfo {
	return &containerInfo{ID: name + "-" + string(rune('a'+attempt)), Name: name, Attempt: attempt,
		State: runtimeapi.ContainerState_CONTAINER_RUNNING, StartedAt: t0.UnixNano(), ImageRef: "sha256:x"}
}

func exit(name string, attempt uint32, code int32) *containerInfo {
	c := run(name, attempt)
	c.State, c.ExitCode, c.FinishedAt = runtimeapi.ContainerState_CONTAINER_EXITED, code, t0.Add(time.Second).UnixNano()
	return c
}

func view(cs ...*containerInfo) *podRuntime {
	p := &podRuntime{Sandboxes: []*sandboxInfo{{ID: "sb", Ready: true, IPs: []string{"10.42.0.5"}}}, Containers: map[string][]*containerInfo{}}
	for _, c := range cs {
		p.Containers[c.Name] = append(p.Containers[c.Name], c)
	}
	return p
}

func testPod(policy corev1.RestartPolicy, init []corev1.Container, apps ...string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"},
		Spec:       corev1.PodSpec{RestartPolicy: policy, InitContainers: init, NodeName: "n"},
	}
	for _, a := range apps {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: a, Image: "img"})
	}
	return pod
}

func sidecar(name string) corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	return corev1.Container{Name: name, Image: "img", RestartPolicy: &always}
}

type notReady struct{ prober.Default }

func (notReady) Ready(types.UID, string) bool { return false }

func crashLoop(name string) map[string]*corev1.ContainerStateWaiting {
	return map[string]*corev1.ContainerStateWaiting{name: {Reason: "CrashLoopBackOff", Message: "back-off 10s"}}
}

type condWant map[corev1.PodConditionType]string // type -> "True" / "False:Reason"

func TestComputePodStatus(t *testing.T) {
	never, always, onFailure := corev1.RestartPolicyNever, corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure
	initC := []corev1.Container{{Name: "init", Image: "img"}}
	cases := []struct {
		name     string
		pod      *corev1.Pod
		rt       *podRuntime
		waiting  map[string]*corev1.ContainerStateWaiting
		probes   prober.Manager
		terminal bool
		phase    corev1.PodPhase
		conds    condWant
		check    func(t *testing.T, st corev1.PodStatus)
	}{
		{name: "nothing created yet", pod: testPod(always, nil, "app"), rt: &podRuntime{Containers: map[string][]*containerInfo{}},
			phase: corev1.PodPending,
			conds: condWant{corev1.PodReadyToStartContainers: "False", corev1.PodInitialized: "True", corev1.ContainersReady: "False:ContainersNotReady", corev1.PodReady: "False:ContainersNotReady", corev1.PodScheduled: "True"},
			check: func(t *testing.T, st corev1.PodStatus) {
				if w := st.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "ContainerCreating" {
					t.Errorf("waiting = %+v, want ContainerCreating", w)
				}
				if msg := cond(st, corev1.PodReady).Message; msg != "containers with unready status: [app]" {
					t.Errorf("ready message %q", msg)
				}
			}},
		{name: "running", pod: testPod(always, nil, "app"), rt: view(run("app", 0)), phase: corev1.PodRunning,
			conds: condWant{corev1.PodReadyToStartContainers: "True", corev1.PodInitialized: "True", corev1.ContainersReady: "True", corev1.PodReady: "True"},
			check: func(t *testing.T, st corev1.PodStatus) {
				cs := st.ContainerStatuses[0]
				if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started || cs.ContainerID != "fake://app-a" || cs.ImageID != "sha256:x" {
					t.Errorf("container status %+v", cs)
				}
				if st.PodIP != "10.42.0.5" || len(st.PodIPs) != 1 || st.HostIP != "192.168.0.10" || st.QOSClass != corev1.PodQOSBestEffort {
					t.Errorf("ips/qos: podIP %q hostIP %q qos %s", st.PodIP, st.HostIP, st.QOSClass)
				}
			}},
		{name: "running but readiness probe failing", pod: testPod(always, nil, "app"), rt: view(run("app", 0)), probes: notReady{},
			phase: corev1.PodRunning, conds: condWant{corev1.ContainersReady: "False:ContainersNotReady", corev1.PodReady: "False:ContainersNotReady"}},
		{name: "never, exit 0", pod: testPod(never, nil, "app"), rt: view(exit("app", 0, 0)), phase: corev1.PodSucceeded,
			conds: condWant{corev1.PodInitialized: "True:PodCompleted", corev1.ContainersReady: "False:PodCompleted", corev1.PodReady: "False:PodCompleted"},
			check: func(t *testing.T, st corev1.PodStatus) {
				if tm := st.ContainerStatuses[0].State.Terminated; tm == nil || tm.Reason != "Completed" {
					t.Errorf("terminated %+v, want reason Completed", tm)
				}
			}},
		{name: "never, exit 1", pod: testPod(never, nil, "app"), rt: view(exit("app", 0, 1)), phase: corev1.PodFailed,
			conds: condWant{corev1.PodReady: "False:PodFailed", corev1.ContainersReady: "False:PodFailed"},
			check: func(t *testing.T, st corev1.PodStatus) {
				if tm := st.ContainerStatuses[0].State.Terminated; tm == nil || tm.Reason != "Error" || tm.ExitCode != 1 {
					t.Errorf("terminated %+v, want Error 1", tm)
				}
			}},
		{name: "always, crash loop", pod: testPod(always, nil, "app"), rt: view(exit("app", 3, 1), exit("app", 2, 1)), waiting: crashLoop("app"),
			phase: corev1.PodRunning, conds: condWant{corev1.PodReady: "False:ContainersNotReady"},
			check: func(t *testing.T, st corev1.PodStatus) {
				cs := st.ContainerStatuses[0]
				if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount != 3 ||
					cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 || cs.Ready {
					t.Errorf("container status %+v", cs)
				}
			}},
		{name: "always, restarted and running again", pod: testPod(always, nil, "app"), rt: view(run("app", 1), exit("app", 0, 2)),
			phase: corev1.PodRunning, conds: condWant{corev1.PodReady: "True"},
			check: func(t *testing.T, st corev1.PodStatus) {
				cs := st.ContainerStatuses[0]
				if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 2 {
					t.Errorf("container status %+v", cs)
				}
			}},
		{name: "onFailure, exit 0", pod: testPod(onFailure, nil, "app"), rt: view(exit("app", 0, 0)), phase: corev1.PodSucceeded},
		{name: "onFailure, exit 1 restarting", pod: testPod(onFailure, nil, "app"), rt: view(exit("app", 0, 1)), waiting: crashLoop("app"), phase: corev1.PodRunning},
		{name: "never, one running one done", pod: testPod(never, nil, "a", "b"), rt: view(run("a", 0), exit("b", 0, 0)), phase: corev1.PodRunning,
			conds: condWant{corev1.PodReady: "False:ContainersNotReady"}},
		{name: "never, both done one failed", pod: testPod(never, nil, "a", "b"), rt: view(exit("a", 0, 0), exit("b", 0, 1)), phase: corev1.PodFailed},
		{name: "init running", pod: testPod(always, initC, "app"), rt: view(run("init", 0)), phase: corev1.PodPending,
			conds: condWant{corev1.PodInitialized: "False:ContainersNotInitialized", corev1.PodReadyToStartContainers: "True"},
			check: func(t *testing.T, st corev1.PodStatus) {
				if msg := cond(st, corev1.PodInitialized).Message; msg != "containers with incomplete status: [init]" {
					t.Errorf("initialized message %q", msg)
				}
				if w := st.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
					t.Errorf("app waiting %+v, want PodInitializing", w)
				}
				if st.InitContainerStatuses[0].Ready {
					t.Error("running init container reported ready")
				}
			}},
		{name: "init failed, never", pod: testPod(never, initC, "app"), rt: view(exit("init", 0, 1)), phase: corev1.PodFailed},
		{name: "init failed, always, back-off", pod: testPod(always, initC, "app"), rt: view(exit("init", 0, 1)), waiting: crashLoop("init"), phase: corev1.PodPending,
			conds: condWant{corev1.PodInitialized: "False:ContainersNotInitialized"}},
		{name: "init done, app running", pod: testPod(always, initC, "app"), rt: view(exit("init", 0, 0), run("app", 0)), phase: corev1.PodRunning,
			conds: condWant{corev1.PodInitialized: "True", corev1.PodReady: "True"},
			check: func(t *testing.T, st corev1.PodStatus) {
				if !st.InitContainerStatuses[0].Ready {
					t.Error("completed init container not ready")
				}
			}},
		{name: "sidecar and app running", pod: testPod(always, []corev1.Container{sidecar("side")}, "app"), rt: view(run("side", 0), run("app", 0)),
			phase: corev1.PodRunning, conds: condWant{corev1.PodInitialized: "True", corev1.ContainersReady: "True"}},
		{name: "sidecar exited, app running", pod: testPod(always, []corev1.Container{sidecar("side")}, "app"), rt: view(exit("side", 0, 1), run("app", 0)),
			waiting: crashLoop("side"), phase: corev1.PodRunning, conds: condWant{corev1.ContainersReady: "False:ContainersNotReady"}},
		{name: "sidecar running, app exited 0, never", pod: testPod(never, []corev1.Container{sidecar("side")}, "app"), rt: view(run("side", 0), exit("app", 0, 0)),
			phase: corev1.PodSucceeded},
		{name: "killed on deletion, all exit 0", pod: testPod(always, nil, "app"), rt: view(exit("app", 0, 0)), terminal: true, phase: corev1.PodSucceeded},
		{name: "killed on deletion, a failure", pod: testPod(always, nil, "a", "b"), rt: view(exit("a", 0, 0), exit("b", 0, 137)), terminal: true, phase: corev1.PodFailed},
		{name: "killed before start", pod: testPod(always, nil, "app"), rt: &podRuntime{Containers: map[string][]*containerInfo{}}, terminal: true, phase: corev1.PodFailed},
		{name: "terminal phase is kept", pod: withPhase(testPod(never, nil, "app"), corev1.PodSucceeded), rt: view(run("app", 0)), phase: corev1.PodSucceeded},
		{name: "readiness gate missing", pod: withGate(testPod(always, nil, "app")), rt: view(run("app", 0)), phase: corev1.PodRunning,
			conds: condWant{corev1.ContainersReady: "True", corev1.PodReady: "False:ReadinessGatesNotReady"}},
		{name: "host network uses host IP", pod: hostNet(testPod(always, nil, "app")), rt: view(run("app", 0)), phase: corev1.PodRunning,
			check: func(t *testing.T, st corev1.PodStatus) {
				if st.PodIP != "192.168.0.10" {
					t.Errorf("podIP %q, want the host IP", st.PodIP)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			probes := tc.probes
			if probes == nil {
				probes = prober.Default{}
			}
			st := computePodStatus(statusInput{Pod: tc.pod, Runtime: tc.rt, RuntimeName: "fake", Waiting: tc.waiting, Probes: probes,
				HostIPs: []string{"192.168.0.10"}, StartTime: t0, Now: t0.Add(time.Minute), Terminal: tc.terminal})
			if st.Phase != tc.phase {
				t.Errorf("phase %s, want %s", st.Phase, tc.phase)
			}
			for typ, want := range tc.conds {
				c := cond(st, typ)
				got := string(c.Status)
				if c.Reason != "" && want != string(c.Status) {
					got += ":" + c.Reason
				}
				if got != want {
					t.Errorf("condition %s = %s (%s), want %s", typ, got, c.Message, want)
				}
			}
			if st.StartTime == nil || !st.StartTime.Time.Equal(t0) {
				t.Errorf("startTime %v", st.StartTime)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

func TestConditionTransitionTimeKept(t *testing.T) {
	pod := testPod(corev1.RestartPolicyAlways, nil, "app")
	earlier := metav1.NewTime(t0)
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: earlier},
		{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, LastTransitionTime: earlier},
		{Type: "example.com/gate", Status: corev1.ConditionTrue},
	}
	now := t0.Add(time.Hour)
	st := computePodStatus(statusInput{Pod: pod, Runtime: view(run("app", 0)), Probes: prober.Default{}, Now: now, StartTime: t0})
	if got := cond(st, corev1.PodReady).LastTransitionTime; !got.Equal(&earlier) {
		t.Errorf("Ready transition time %v, want unchanged %v", got, earlier)
	}
	if got := cond(st, corev1.ContainersReady).LastTransitionTime; !got.Time.Equal(now) {
		t.Errorf("ContainersReady transition time %v, want now", got)
	}
	if cond(st, "example.com/gate").Status != corev1.ConditionTrue {
		t.Error("a foreign condition was dropped")
	}
}

func TestPodQOSClass(t *testing.T) {
	res := func(req, lim string) corev1.ResourceRequirements {
		r := corev1.ResourceRequirements{}
		if req != "" {
			r.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(req), corev1.ResourceMemory: resource.MustParse(req + "Mi")}
		}
		if lim != "" {
			r.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(lim), corev1.ResourceMemory: resource.MustParse(lim + "Mi")}
		}
		return r
	}
	cases := []struct {
		req, lim string
		want     corev1.PodQOSClass
	}{
		{"", "", corev1.PodQOSBestEffort},
		{"1", "1", corev1.PodQOSGuaranteed},
		{"", "1", corev1.PodQOSGuaranteed}, // requests default to limits
		{"1", "2", corev1.PodQOSBurstable},
		{"1", "", corev1.PodQOSBurstable},
	}
	for _, tc := range cases {
		spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: res(tc.req, tc.lim)}}}
		if got := podQOSClass(&spec); got != tc.want {
			t.Errorf("requests %q limits %q: %s, want %s", tc.req, tc.lim, got, tc.want)
		}
	}
}

func cond(st corev1.PodStatus, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range st.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

func withPhase(p *corev1.Pod, phase corev1.PodPhase) *corev1.Pod { p.Status.Phase = phase; return p }
func withGate(p *corev1.Pod) *corev1.Pod {
	p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}
	return p
}
func hostNet(p *corev1.Pod) *corev1.Pod { p.Spec.HostNetwork = true; return p }
