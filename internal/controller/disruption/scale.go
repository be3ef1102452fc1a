package disruption

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// scaleReader reads spec.replicas of a pod's controller through the scale
// subresource, so any kind that has one (built-in or custom) works.
type scaleReader struct {
	client kubernetes.Interface

	mu        sync.Mutex
	resources map[string]string // "apiVersion/Kind" -> plural resource with a scale subresource
}

func newScaleReader(client kubernetes.Interface) *scaleReader {
	return &scaleReader{client: client, resources: map[string]string{
		"apps/v1/Deployment": "deployments", "apps/v1/ReplicaSet": "replicasets",
		"apps/v1/StatefulSet": "statefulsets", "v1/ReplicationController": "replicationcontrollers",
	}}
}

// controllerOf resolves the workload that owns the pod's replicas: a
// ReplicaSet managed by a Deployment counts as the Deployment, as in
// Kubernetes.
func (s *scaleReader) controllerOf(ctx context.Context, ns string, ref *metav1.OwnerReference) (*metav1.OwnerReference, error) {
	if ref.Kind != "ReplicaSet" || !strings.HasPrefix(ref.APIVersion, "apps/") {
		return ref, nil
	}
	rs, err := s.client.AppsV1().ReplicaSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading replicaset %s/%s: %w", ns, ref.Name, err)
	}
	if rs.UID != ref.UID {
		return nil, fmt.Errorf("replicaset %s/%s was replaced", ns, ref.Name)
	}
	if owner := metav1.GetControllerOf(rs); owner != nil && owner.Kind == "Deployment" {
		return owner, nil
	}
	return ref, nil
}

// Total sums the replicas of the distinct controllers of pods; a pod
// without a controller makes the total unknowable.
func (s *scaleReader) Total(ctx context.Context, pods []*corev1.Pod) (int32, error) {
	seen := map[types.UID]bool{}
	var total int32
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			return 0, fmt.Errorf("found no controller for pod %q", p.Name)
		}
		ctrl, err := s.controllerOf(ctx, p.Namespace, ref)
		if err != nil {
			return 0, err
		}
		if seen[ctrl.UID] {
			continue
		}
		seen[ctrl.UID] = true
		n, err := s.replicas(ctx, p.Namespace, ctrl)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (s *scaleReader) replicas(ctx context.Context, ns string, ref *metav1.OwnerReference) (int32, error) {
	res, err := s.resourceFor(ref)
	if err != nil {
		return 0, err
	}
	prefix := "/apis/" + ref.APIVersion
	if !strings.Contains(ref.APIVersion, "/") {
		prefix = "/api/" + ref.APIVersion
	}
	path := fmt.Sprintf("%s/namespaces/%s/%s/%s/scale", prefix, ns, res, ref.Name)
	raw, err := s.client.CoreV1().RESTClient().Get().AbsPath(path).DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading scale of %s %s/%s: %w", ref.Kind, ns, ref.Name, err)
	}
	var scale autoscalingv1.Scale
	if err := json.Unmarshal(raw, &scale); err != nil {
		return 0, fmt.Errorf("decoding scale of %s %s/%s: %w", ref.Kind, ns, ref.Name, err)
	}
	if scale.UID != "" && scale.UID != ref.UID {
		return 0, fmt.Errorf("%s %s/%s was replaced", ref.Kind, ns, ref.Name)
	}
	return scale.Spec.Replicas, nil
}

// resourceFor finds the plural resource of a kind with a scale
// subresource, asking discovery for kinds not known in advance.
func (s *scaleReader) resourceFor(ref *metav1.OwnerReference) (string, error) {
	key := ref.APIVersion + "/" + ref.Kind
	s.mu.Lock()
	res, ok := s.resources[key]
	s.mu.Unlock()
	if ok {
		return res, nil
	}
	list, err := s.client.Discovery().ServerResourcesForGroupVersion(ref.APIVersion)
	if err != nil {
		return "", fmt.Errorf("discovering %s: %w", ref.APIVersion, err)
	}
	for _, r := range list.APIResources {
		base, sub, found := strings.Cut(r.Name, "/")
		if found && sub == "scale" {
			for _, k := range list.APIResources {
				if k.Name == base && k.Kind == ref.Kind {
					s.mu.Lock()
					s.resources[key] = base
					s.mu.Unlock()
					return base, nil
				}
			}
		}
	}
	return "", fmt.Errorf("%s has no scale subresource", key)
}
