package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var podKind = corev1.SchemeGroupVersion.WithKind("Pod")

// retention returns the set's PVC retention policy with Retain defaults.
func retention(set *appsv1.StatefulSet) (whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) {
	whenDeleted, whenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		if p.WhenDeleted != "" {
			whenDeleted = p.WhenDeleted
		}
		if p.WhenScaled != "" {
			whenScaled = p.WhenScaled
		}
	}
	return whenDeleted, whenScaled
}

// setOwnerRef is the (non-controller) reference that lets the garbage
// collector delete a claim together with its set (whenDeleted: Delete).
func setOwnerRef(set *appsv1.StatefulSet) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: controllerKind.GroupVersion().String(), Kind: controllerKind.Kind, Name: set.Name, UID: set.UID}
}

// podOwnerRef lets the garbage collector delete a condemned pod's claim
// with the pod (whenScaled: Delete).
func podOwnerRef(pod *corev1.Pod) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: podKind.GroupVersion().String(), Kind: podKind.Kind, Name: pod.Name, UID: pod.UID}
}

// newClaim builds the claim of template ct for the pod with ordinal.
func newClaim(set *appsv1.StatefulSet, ct *corev1.PersistentVolumeClaim, ordinal int) *corev1.PersistentVolumeClaim {
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:        claimName(ct.Name, set, ordinal),
			Namespace:   set.Namespace,
			Labels:      map[string]string{},
			Annotations: ct.Annotations,
		},
		Spec: *ct.Spec.DeepCopy(),
	}
	for k, v := range ct.Labels {
		claim.Labels[k] = v
	}
	if set.Spec.Selector != nil {
		for k, v := range set.Spec.Selector.MatchLabels {
			claim.Labels[k] = v
		}
	}
	if whenDeleted, _ := retention(set); whenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
		claim.OwnerReferences = []metav1.OwnerReference{setOwnerRef(set)}
	}
	return claim
}

// ensureClaims creates the missing claims of the pod with ordinal. A
// claim still being deleted is an error: the pod must wait for a fresh one
// rather than mount storage that is going away.
func (c *Controller) ensureClaims(ctx context.Context, set *appsv1.StatefulSet, ordinal int) error {
	for i := range set.Spec.VolumeClaimTemplates {
		want := newClaim(set, &set.Spec.VolumeClaimTemplates[i], ordinal)
		got, err := c.claims.PersistentVolumeClaims(set.Namespace).Get(want.Name)
		if err == nil {
			if got.DeletionTimestamp != nil {
				return fmt.Errorf("claim %s is being deleted", got.Name)
			}
			continue
		}
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("reading claim %s: %w", want.Name, err)
		}
		created, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Create(ctx, want, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			c.recorder.Eventf(set, nil, corev1.EventTypeWarning, "FailedCreate", "Create",
				"create Claim %s for Pod %s in StatefulSet %s failed error: %v", want.Name, podName(set, ordinal), set.Name, err)
			return fmt.Errorf("creating claim %s: %w", want.Name, err)
		}
		if err == nil {
			c.recorder.Eventf(set, created, corev1.EventTypeNormal, "SuccessfulCreate", "Create",
				"create Claim %s Pod %s in StatefulSet %s success", want.Name, podName(set, ordinal), set.Name)
		}
	}
	return nil
}

// syncClaimOwners makes the owner references of pod's claims follow the
// retention policy: the set owns them when whenDeleted is Delete, and a
// condemned pod (scaled away) owns them when whenScaled is Delete.
func (c *Controller) syncClaimOwners(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod, ordinal int, condemned bool) error {
	whenDeleted, whenScaled := retention(set)
	for _, ct := range set.Spec.VolumeClaimTemplates {
		claim, err := c.claims.PersistentVolumeClaims(set.Namespace).Get(claimName(ct.Name, set, ordinal))
		if err != nil {
			continue // missing claims are created before their pod
		}
		refs := wantedClaimRefs(claim.OwnerReferences, set, pod,
			whenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			condemned && whenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType)
		if refs == nil {
			continue
		}
		cp := claim.DeepCopy()
		cp.OwnerReferences = refs
		if _, err := c.client.CoreV1().PersistentVolumeClaims(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating owners of claim %s: %w", cp.Name, err)
		}
	}
	return nil
}

// wantedClaimRefs returns the claim's new owner references, or nil when
// they are already right. References to other owners are kept.
func wantedClaimRefs(refs []metav1.OwnerReference, set *appsv1.StatefulSet, pod *corev1.Pod, bySet, byPod bool) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	hasSet, hasPod, changed := false, false, false
	for _, r := range refs {
		isSet := r.Kind == controllerKind.Kind && r.Name == set.Name
		isPod := r.Kind == podKind.Kind && r.Name == pod.Name
		switch {
		case isSet && (!bySet || r.UID != set.UID), isPod && (!byPod || r.UID != pod.UID):
			changed = true
			continue
		case isSet:
			hasSet = true
		case isPod:
			hasPod = true
		}
		out = append(out, r)
	}
	if bySet && !hasSet {
		out, changed = append(out, setOwnerRef(set)), true
	}
	if byPod && !hasPod {
		out, changed = append(out, podOwnerRef(pod)), true
	}
	if !changed {
		return nil
	}
	if out == nil {
		out = []metav1.OwnerReference{}
	}
	return out
}
