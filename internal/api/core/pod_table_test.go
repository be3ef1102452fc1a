package core

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodStatusColumn(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	waiting := func(r string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: r}}
	}
	terminated := func(r string, code int32) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: r, ExitCode: code}}
	}
	always := corev1.ContainerRestartPolicyAlways
	cases := []struct {
		name          string
		mutate        func(*corev1.Pod)
		ready, status string
	}{
		{"running", func(p *corev1.Pod) {}, "1/1", "Running"},
		{"pending", func(p *corev1.Pod) {
			p.Status = corev1.PodStatus{Phase: corev1.PodPending}
		}, "0/1", "Pending"},
		{"image pull", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: waiting("ImagePullBackOff")}
		}, "0/1", "ImagePullBackOff"},
		{"crash loop", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: waiting("CrashLoopBackOff")}
		}, "0/1", "CrashLoopBackOff"},
		{"completed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: terminated("Completed", 0)}
		}, "0/1", "Completed"},
		{"exit code without reason", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: terminated("", 2)}
		}, "0/1", "ExitCode:2"},
		{"completed while another runs", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "job"})
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: "job", State: terminated("Completed", 0)})
		}, "1/2", "NotReady"},
		{"init running", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i1"}, {Name: "i2"}}
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "i1", State: terminated("Completed", 0)},
				{Name: "i2", State: running},
			}
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: waiting("PodInitializing")}
		}, "0/1", "Init:1/2"},
		{"init failing", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i1", State: terminated("Error", 1)}}
		}, "0/1", "Init:Error"},
		{"init crash loop", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i1", State: waiting("CrashLoopBackOff")}}
		}, "0/1", "Init:CrashLoopBackOff"},
		{"ready sidecar counts", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "side", RestartPolicy: &always}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "side", Ready: true, Started: ptr(true), State: running}}
		}, "2/2", "Running"},
		{"terminating", func(p *corev1.Pod) {
			p.DeletionTimestamp = &metav1.Time{Time: time.Now()}
		}, "1/1", "Terminating"},
		{"evicted", func(p *corev1.Pod) {
			p.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}
		}, "0/1", "Evicted"},
		{"scheduling gated", func(p *corev1.Pod) {
			p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}}
		}, "0/1", "SchedulingGated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := runningPod()
			c.mutate(p)
			cells := podRow(p)
			if cells[1] != c.ready || cells[2] != c.status {
				t.Fatalf("READY %v STATUS %v, want %s %s", cells[1], cells[2], c.ready, c.status)
			}
		})
	}
}

func TestPodRestartsAndWideColumns(t *testing.T) {
	p := runningPod()
	p.Status.ContainerStatuses[0].RestartCount = 2
	p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		FinishedAt: metav1.NewTime(time.Now().Add(-5 * time.Minute))}}
	cells := podRow(p)
	if r := cells[3].(string); !strings.HasPrefix(r, "2 (") || !strings.HasSuffix(r, " ago)") {
		t.Errorf("RESTARTS = %q, want like \"2 (5m ago)\"", r)
	}
	want := []any{"10.42.0.5", "n1", "<none>", "0/1"}
	for i, w := range want {
		if cells[5+i] != w {
			t.Errorf("wide cell %d (%s) = %v, want %v", 5+i, podColumns[5+i].Name, cells[5+i], w)
		}
	}
	if cells := podRow(&corev1.Pod{}); cells[3] != "0" || cells[5] != "<none>" || cells[8] != "<none>" {
		t.Errorf("empty pod cells = %v", cells)
	}
}
