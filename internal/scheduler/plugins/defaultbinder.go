package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	fw "rudder/internal/scheduler/framework"
)

// DefaultBinder writes the decision through the pods/binding subresource,
// which sets spec.nodeName and the PodScheduled condition atomically.
type DefaultBinder struct {
	client kubernetes.Interface
}

// NewDefaultBinder returns a factory bound to a client.
func NewDefaultBinder(client kubernetes.Interface) func(fw.Handle) (fw.Plugin, error) {
	return func(fw.Handle) (fw.Plugin, error) { return &DefaultBinder{client: client}, nil }
}

// Name implements fw.Plugin.
func (*DefaultBinder) Name() string { return DefaultBinderName }

// Bind implements fw.BindPlugin.
func (b *DefaultBinder) Bind(ctx context.Context, _ *fw.CycleState, pod *v1.Pod, nodeName string) *fw.Status {
	binding := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: nodeName},
	}
	if err := b.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fw.AsStatus(fmt.Errorf("binding pod %s/%s to %s: %w", pod.Namespace, pod.Name, nodeName, err))
	}
	return nil
}
