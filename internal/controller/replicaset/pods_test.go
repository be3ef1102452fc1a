package replicaset

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// TestScanAgreesWithFullClaim checks the indexed single pass against the
// definition it replaces: claim every active pod of the namespace, then
// count the status over the claimed ones. Every kind of pod a namespace
// can hold (ours, another controller's, orphans; every phase; terminating;
// selected or not; fully labelled or not; not ready, ready, ready long
// enough or not for minReadySeconds) meets several workloads.
func TestScanAgreesWithFullClaim(t *testing.T) {
	scanAt := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	statusAt := scanAt.Add(8 * time.Second) // manage took 8 s
	for _, tc := range scanWorkloads() {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := tc.kind.view(tc.obj)
			if !ok {
				t.Fatal("not a workload")
			}
			all := podsOfEveryKind(w.uid(), scanAt)
			wantPods, wantPatches := claimAll(t, w, all)
			wantStatus := referenceStatus(w, wantPods, statusAt)

			idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, ctrlutil.ControllerIndexers())
			for _, p := range all {
				if err := idx.Add(p); err != nil {
					t.Fatal(err)
				}
			}
			owned, _ := ctrlutil.ControlledBy(idx, "default", w.uid())
			orphans, _ := ctrlutil.OrphansIn(idx, "default")
			scan := scanPods(w, owned, orphans, scanAt)
			adopted, gotPatches := claimSome(t, w, scan.unsettled)
			scan.addAdopted(adopted)
			c := &Controller{now: func() time.Time { return statusAt }}
			got := c.computeStatus(w, scan, nil)

			if g, want := podNames(scan.pods), podNames(wantPods); !slices.Equal(g, want) {
				t.Errorf("claimed pods:\n got %v\nwant %v", g, want)
			}
			if !slices.Equal(gotPatches, wantPatches) {
				t.Errorf("patches:\n got %v\nwant %v", gotPatches, wantPatches)
			}
			if got.Replicas != wantStatus.Replicas || got.FullyLabeledReplicas != wantStatus.FullyLabeledReplicas ||
				got.ReadyReplicas != wantStatus.ReadyReplicas || got.AvailableReplicas != wantStatus.AvailableReplicas {
				t.Errorf("status %+v, want %+v", got, wantStatus)
			}
			if w.minReady > 0 && scan.counts.availableAtScan == got.AvailableReplicas {
				t.Error("the case does not test pods becoming available while the sync manages pods")
			}
		})
	}
}

type scanWorkload struct {
	name string
	kind kind
	obj  any
}

func scanWorkloads() []scanWorkload {
	rs := func(name string, sel *metav1.LabelSelector, tmpl map[string]string, minReady int32, deleting bool) *appsv1.ReplicaSet {
		r := newRS(name, 10, nil)
		r.UID = "ours"
		r.Spec.Selector = sel
		r.Spec.Template.Labels = tmpl
		r.Spec.MinReadySeconds = minReady
		if deleting {
			r.DeletionTimestamp = &metav1.Time{Time: time.Now()}
		}
		return r
	}
	tmpl := template(map[string]string{"app": "web"})
	two := int32(2)
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "default", UID: "ours"},
		Spec: corev1.ReplicationControllerSpec{Replicas: &two, Selector: map[string]string{"app": "web"},
			Template: &tmpl, MinReadySeconds: 10},
	}
	return []scanWorkload{
		{"template has a label the selector lacks", &rsKind{},
			rs("a", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				map[string]string{"app": "web", "tier": "front"}, 10, false)},
		{"selector is the template's labels", &rsKind{},
			rs("b", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "front"}},
				map[string]string{"app": "web", "tier": "front"}, 0, false)},
		{"set-based selector, owner being deleted", &rsKind{},
			rs("c", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}}}},
				map[string]string{"app": "web"}, 10, true)},
		{"replication controller", &rcKind{}, rc},
	}
}

// podsOfEveryKind returns one pod for each combination of ownership,
// labels, phase, deletion and readiness.
func podsOfEveryKind(ours types.UID, now time.Time) []*corev1.Pod {
	owners := map[string][]metav1.OwnerReference{
		"ours":       {*ctrlutil.NewControllerRef(&metav1.ObjectMeta{Name: "x", UID: ours}, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))},
		"theirs":     {*ctrlutil.NewControllerRef(&metav1.ObjectMeta{Name: "y", UID: "theirs"}, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))},
		"orphan":     nil,
		"non-ctrlrf": {{APIVersion: "v1", Kind: "ConfigMap", Name: "z", UID: ours}},
	}
	labelSets := map[string]map[string]string{
		"full": {"app": "web", "tier": "front"}, "app": {"app": "web"}, "api": {"app": "api"}, "none": nil,
	}
	readiness := map[string][]corev1.PodCondition{
		"noready":   nil,
		"unready":   {{Type: corev1.PodReady, Status: corev1.ConditionFalse}},
		"readyold":  {{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}},
		"readynew":  {{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-5 * time.Second))}},
		"readyzero": {{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
	}
	var out []*corev1.Pod
	for owner, refs := range owners {
		for ls, lbls := range labelSets {
			for _, phase := range []corev1.PodPhase{corev1.PodPending, corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed} {
				for _, deleting := range []bool{false, true} {
					for ready, conds := range readiness {
						p := &corev1.Pod{
							ObjectMeta: metav1.ObjectMeta{
								Namespace: "default", Name: fmt.Sprintf("%s-%s-%s-%v-%s", owner, ls, phase, deleting, ready),
								UID: types.UID(fmt.Sprintf("pod-%d", len(out))), Labels: lbls, OwnerReferences: refs,
							},
							Status: corev1.PodStatus{Phase: phase, Conditions: conds},
						}
						if deleting {
							p.DeletionTimestamp = &metav1.Time{Time: now}
						}
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// claimAll is the definition: claim every active pod of the namespace.
func claimAll(t *testing.T, w *workload, all []*corev1.Pod) ([]*corev1.Pod, []string) {
	return claimSome(t, w, ctrlutil.FilterActivePods(all))
}

// claimSome runs the shared claim with patches that succeed, recording them.
func claimSome(t *testing.T, w *workload, pods []*corev1.Pod) ([]*corev1.Pod, []string) {
	t.Helper()
	var patches []string
	cl := &ctrlutil.Claimer{
		Owner: w.meta, GVK: appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), Selector: w.selector,
		Patch: func(_ context.Context, _, name string, patch []byte) error {
			verb := "adopt"
			if strings.Contains(string(patch), `"$patch":"delete"`) {
				verb = "release"
			}
			patches = append(patches, verb+" "+name)
			return nil
		},
	}
	claimed, err := ctrlutil.Claim(context.Background(), cl, pods)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(patches)
	return claimed, patches
}

// referenceStatus counts as the status is defined, pod by pod at time now.
func referenceStatus(w *workload, pods []*corev1.Pod, now time.Time) appsv1.ReplicaSetStatus {
	st := appsv1.ReplicaSetStatus{Replicas: int32(len(pods))}
	fully := labels.SelectorFromSet(w.template.Labels)
	for _, p := range pods {
		if fully.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if ctrlutil.IsPodReady(p) {
			st.ReadyReplicas++
		}
		if ctrlutil.IsPodAvailable(p, w.minReady, now) {
			st.AvailableReplicas++
		}
	}
	return st
}

func podNames(pods []*corev1.Pod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	slices.Sort(out)
	return out
}
