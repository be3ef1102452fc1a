package deployment

import (
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// Annotations and labels kubectl and users rely on.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	PodTemplateHashLabel      = appsv1.DefaultDeploymentUniqueLabelKey // "pod-template-hash"
	lastAppliedAnnotation     = corev1.LastAppliedConfigAnnotation
	revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
)

// notCopied are deployment annotations that describe the deployment
// itself and so must not be copied onto its ReplicaSets.
var notCopied = map[string]bool{
	lastAppliedAnnotation:     true,
	RevisionAnnotation:        true,
	revisionHistoryAnnotation: true,
	DesiredReplicasAnnotation: true,
	MaxReplicasAnnotation:     true,
}

// revisionOf reads a ReplicaSet's revision; missing or bad means 0.
func revisionOf(rs *appsv1.ReplicaSet) int64 {
	v, err := strconv.ParseInt(rs.Annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revisionOf(rs))
	}
	return m
}

// equalIgnoreHash compares pod templates, ignoring the pod-template-hash
// label that only ReplicaSets carry.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, PodTemplateHashLabel)
	delete(b.Labels, PodTemplateHashLabel)
	if len(a.Labels) == 0 {
		a.Labels = nil
	}
	if len(b.Labels) == 0 {
		b.Labels = nil
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

// findNewRS returns the ReplicaSet whose template equals the deployment's;
// with several (possible after a hash collision), the oldest.
func findNewRS(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	sorted := byCreation(rss)
	for _, rs := range sorted {
		if equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// splitRSs returns the new ReplicaSet (or nil) and all the others.
func splitRSs(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet) {
	newRS := findNewRS(d, rss)
	var old []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != newRS {
			old = append(old, rs)
		}
	}
	return newRS, old
}

// byCreation returns a copy sorted oldest first (name breaks ties).
func byCreation(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet(nil), rss...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
	return out
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// withNew returns olds plus newRS when it exists.
func withNew(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	all := append([]*appsv1.ReplicaSet(nil), old...)
	if newRS != nil {
		all = append(all, newRS)
	}
	return all
}

func activeRSs(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if replicasOf(rs.Spec.Replicas) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

func specSum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += replicasOf(rs.Spec.Replicas)
	}
	return n
}

// copyAnnotations copies the deployment's own annotations onto the
// ReplicaSet (so `rollout history` shows change-cause); reports a change.
func copyAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	changed := false
	for k, v := range d.Annotations {
		if notCopied[k] || rs.Annotations[k] == v {
			continue
		}
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		rs.Annotations[k] = v
		changed = true
	}
	return changed
}

// setReplicaAnnotations records the deployment size (and size plus
// surge) a ReplicaSet was last scaled for; proportional scaling reads them.
func setReplicaAnnotations(rs *appsv1.ReplicaSet, desired, maxTotal int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	d, m := strconv.Itoa(int(desired)), strconv.Itoa(int(maxTotal))
	changed := rs.Annotations[DesiredReplicasAnnotation] != d || rs.Annotations[MaxReplicasAnnotation] != m
	rs.Annotations[DesiredReplicasAnnotation] = d
	rs.Annotations[MaxReplicasAnnotation] = m
	return changed
}

// intAnnotation reads an integer annotation.
func intAnnotation(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}
