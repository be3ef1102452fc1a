package ctrlutil

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NewControllerRef is the ownerReference a controller puts on what it
// creates or adopts: controller=true, blockOwnerDeletion=true.
func NewControllerRef(owner metav1.Object, gvk schema.GroupVersionKind) *metav1.OwnerReference {
	yes := true
	return &metav1.OwnerReference{
		APIVersion:         gvk.GroupVersion().String(),
		Kind:               gvk.Kind,
		Name:               owner.GetName(),
		UID:                owner.GetUID(),
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}

// PodFromTemplate builds the pod a controller creates from its template:
// the template's labels, annotations, finalizers and spec, a generated name
// prefixed by the owner's name, and the controller ownerReference.
func PodFromTemplate(t *corev1.PodTemplateSpec, owner metav1.Object, ref *metav1.OwnerReference) (*corev1.Pod, error) {
	if t == nil {
		return nil, fmt.Errorf("%s has no pod template", owner.GetName())
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: podNamePrefix(owner.GetName()),
			Namespace:    owner.GetNamespace(),
			Labels:       copyMap(t.Labels),
			Annotations:  copyMap(t.Annotations),
			Finalizers:   append([]string(nil), t.Finalizers...),
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if ref != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*ref}
	}
	return pod, nil
}

// podNamePrefix is "<owner>-", unless that would not make a valid pod
// name, in which case the server-side generated suffix alone stays valid
// only with a shorter prefix.
func podNamePrefix(owner string) string {
	prefix := owner + "-"
	if len(apivalidation.NameIsDNSSubdomain(prefix, true)) != 0 {
		return owner
	}
	return prefix
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
