// Package pods holds admission plugins that complete new Pods as
// Kubernetes' Priority, DefaultTolerationSeconds and ServiceAccount plugins do.
package pods

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/apiserver"
)

// Lister returns all objects of a resource (cluster-scoped here).
type Lister func(ctx context.Context, gvr schema.GroupVersionResource) ([]runtime.Object, error)

var priorityClassesGVR = schema.GroupVersionResource{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"}

// Built-in classes every cluster has (the server also creates them).
var builtinClasses = map[string]int32{
	"system-node-critical":    2000001000,
	"system-cluster-critical": 2000000000,
}

func newPod(a *apiserver.Attributes) (*corev1.Pod, bool) {
	if a.Operation != apiserver.Create || a.Subresource != "" || a.Kind.GVK.Group != "" || a.Kind.Resource != "pods" {
		return nil, false
	}
	p, ok := a.Object.(*corev1.Pod)
	return p, ok
}

// Priority resolves a pod's PriorityClass into spec.priority.
type Priority struct{ List Lister }

// Admit implements apiserver.Admission.
func (p Priority) Admit(ctx context.Context, a *apiserver.Attributes) error {
	pod, ok := newPod(a)
	if !ok {
		return nil
	}
	value, policy, name, err := p.resolve(ctx, pod.Spec.PriorityClassName)
	if err != nil {
		return err
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return apierrors.NewForbidden(a.Kind.GroupResource(), pod.Name,
			fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, value))
	}
	pod.Spec.PriorityClassName = name
	pod.Spec.Priority = &value
	if policy != nil {
		pod.Spec.PreemptionPolicy = policy
	}
	return nil
}

func (p Priority) resolve(ctx context.Context, name string) (int32, *corev1.PreemptionPolicy, string, error) {
	if v, ok := builtinClasses[name]; ok {
		pol := corev1.PreemptLowerPriority
		return v, &pol, name, nil
	}
	classes, err := p.List(ctx, priorityClassesGVR)
	if err != nil {
		return 0, nil, "", fmt.Errorf("listing priority classes: %w", err)
	}
	for _, o := range classes {
		pc := o.(*schedulingv1.PriorityClass)
		if (name == "" && pc.GlobalDefault) || (name != "" && pc.Name == name) {
			return pc.Value, pc.PreemptionPolicy, pc.Name, nil
		}
	}
	if name == "" {
		return 0, nil, "", nil
	}
	return 0, nil, "", apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
		fmt.Errorf("no PriorityClass with name %s was found", name))
}

// DefaultTolerations adds 300 s tolerations for not-ready/unreachable.
type DefaultTolerations struct{ Seconds int64 }

// Admit implements apiserver.Admission.
func (d DefaultTolerations) Admit(_ context.Context, a *apiserver.Attributes) error {
	pod, ok := newPod(a)
	if !ok {
		return nil
	}
	secs := d.Seconds
	if secs == 0 {
		secs = 300
	}
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if tolerates(pod.Spec.Tolerations, key) {
			continue
		}
		s := secs
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &s,
		})
	}
	return nil
}

func tolerates(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || (t.Key == "" && t.Operator == corev1.TolerationOpExists)) &&
			(t.Effect == "" || t.Effect == corev1.TaintEffectNoExecute) {
			return true
		}
	}
	return false
}

// ServiceAccount defaults spec.serviceAccountName.
type ServiceAccount struct{}

// Admit implements apiserver.Admission.
func (ServiceAccount) Admit(_ context.Context, a *apiserver.Attributes) error {
	pod, ok := newPod(a)
	if !ok {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	return nil
}
