package job

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestIndexesRoundTrip(t *testing.T) {
	cases := []struct {
		in, want    string
		completions int32
	}{
		{"", "", 5},
		{"0,1,2,4", "0-2,4", 5},
		{"3-5,1,7", "1,3-5", 6}, // 7 is beyond completions
		{"0-2,2-3", "0-3", 10},
		{"x,2", "2", 10},
	}
	for _, c := range cases {
		if got := formatIndexes(parseIndexes(c.in, c.completions)); got != c.want {
			t.Errorf("format(parse(%q)) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWantActive(t *testing.T) {
	cases := []struct {
		name                                 string
		completions                          *int32
		parallelism, succeeded, active, want int32
	}{
		{"fresh", ptr.To[int32](5), 2, 0, 0, 2},
		{"last completions", ptr.To[int32](5), 2, 4, 1, 1},
		{"all done", ptr.To[int32](5), 2, 5, 0, 0},
		{"work queue running", nil, 3, 0, 1, 3},
		{"work queue one succeeded", nil, 3, 1, 2, 2},
	}
	for _, c := range cases {
		j := &batchv1.Job{Spec: batchv1.JobSpec{Completions: c.completions, Parallelism: &c.parallelism}}
		if got := wantActive(j, c.succeeded, c.active); got != c.want {
			t.Errorf("%s: wantActive = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestJudge(t *testing.T) {
	indexed := batchv1.IndexedCompletion
	base := func(m func(*batchv1.JobSpec)) *batchv1.Job {
		j := &batchv1.Job{Spec: batchv1.JobSpec{Completions: ptr.To[int32](3), Parallelism: ptr.To[int32](1), BackoffLimit: ptr.To[int32](2)}}
		if m != nil {
			m(&j.Spec)
		}
		return j
	}
	cases := []struct {
		name   string
		job    *batchv1.Job
		n      counts
		reason string
		ok     bool // success
	}{
		{"running", base(nil), counts{active: 1, succeeded: 1}, "", false},
		{"completions reached", base(nil), counts{succeeded: 3}, reasonCompletions, true},
		{"backoff limit equal is fine", base(nil), counts{failed: 2, active: 1}, "", false},
		{"backoff limit exceeded", base(nil), counts{failed: 3, succeeded: 3}, reasonBackoffLimit, false},
		{"deadline", base(nil), counts{pastDeadline: true}, reasonDeadline, false},
		{"policy first", base(nil), counts{failed: 9, policyFailure: &policyMatch{message: "m"}}, reasonPodFailurePolicy, false},
		{"work queue done", base(func(s *batchv1.JobSpec) { s.Completions = nil }), counts{succeeded: 1}, reasonCompletions, true},
		{"work queue waits for active", base(func(s *batchv1.JobSpec) { s.Completions = nil }), counts{succeeded: 1, active: 1}, "", false},
		{"indexed done", base(func(s *batchv1.JobSpec) { s.CompletionMode = &indexed }), counts{completed: 3}, reasonCompletions, true},
		{"indexed failed indexes", base(func(s *batchv1.JobSpec) { s.CompletionMode = &indexed }), counts{completed: 2, failedIdx: 1}, reasonFailedIndexes, false},
		{"max failed indexes", base(func(s *batchv1.JobSpec) {
			s.CompletionMode = &indexed
			s.MaxFailedIndexes = ptr.To[int32](0)
		}), counts{failedIdx: 1}, reasonMaxFailedIndexes, false},
	}
	for _, c := range cases {
		v := judge(c.job, c.n)
		if v.reason != c.reason || v.success != c.ok || v.failed != (c.reason != "" && !c.ok) {
			t.Errorf("%s: verdict %+v, want reason %q success %v", c.name, v, c.reason, c.ok)
		}
	}
}

func TestMatchFailurePolicy(t *testing.T) {
	failed := func(code int32, conds ...corev1.PodConditionType) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Phase: corev1.PodFailed,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}}}}
		for _, c := range conds {
			p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue})
		}
		return p
	}
	policy := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			ContainerName: ptr.To("main"), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpNotIn, Values: []int32{1, 2}}},
		{Action: batchv1.PodFailurePolicyActionFailIndex, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{2}}},
	}}
	cases := []struct {
		name   string
		pod    *corev1.Pod
		action batchv1.PodFailurePolicyAction
		ok     bool
	}{
		{"disruption ignored", failed(42, corev1.DisruptionTarget), batchv1.PodFailurePolicyActionIgnore, true},
		{"exit 42 fails job", failed(42), batchv1.PodFailurePolicyActionFailJob, true},
		{"exit 5 counted by NotIn", failed(5), batchv1.PodFailurePolicyActionCount, true},
		{"exit 2 fails index", failed(2), batchv1.PodFailurePolicyActionFailIndex, true},
		{"exit 1 matches nothing", failed(1), "", false},
		{"exit 0 never matches", failed(0), "", false},
		{"not failed yet", func() *corev1.Pod { p := failed(42); p.Status.Phase = corev1.PodRunning; return p }(), "", false},
	}
	for _, c := range cases {
		m, ok := matchFailurePolicy(policy, c.pod)
		if ok != c.ok || m.action != c.action {
			t.Errorf("%s: got %v/%q, want %v/%q", c.name, ok, m.action, c.ok, c.action)
		}
	}
	m, _ := matchFailurePolicy(policy, failed(42))
	if want := "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1"; m.message != want {
		t.Errorf("message %q, want %q", m.message, want)
	}
}

func TestSetConditionKeepsTransitionTime(t *testing.T) {
	s := &batchv1.JobStatus{}
	t0, t1 := metav1.Unix(100, 0), metav1.Unix(200, 0)
	if !setCondition(s, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", t0) {
		t.Fatal("new condition not reported as a change")
	}
	if setCondition(s, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", t1) {
		t.Error("identical condition reported as a change")
	}
	setCondition(s, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", t1)
	if c := findCondition(s, batchv1.JobSuspended); c.LastTransitionTime != t1 || len(s.Conditions) != 1 {
		t.Errorf("conditions %+v", s.Conditions)
	}
}
